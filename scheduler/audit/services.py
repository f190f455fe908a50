"""Recording audit entries. Every write in the application goes through `record`."""
from datetime import date, datetime, time
from decimal import Decimal

from flask import has_request_context, request

from ..extensions import db
from .models import AuditEntry


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [_plain(before.get(key)), _plain(after.get(key))]
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)}


def snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def record(actor, action: str, obj_type: str, obj_id, *, unit=None, summary: str = "",
           changes: dict | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction (flushed with it, committed by the caller)."""
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        unit_id=getattr(unit, "id", unit),
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        summary=summary[:500],
        changes={k: _plain(v) for k, v in (changes or {}).items()} or None,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
