"""Paged API lists: `limit` (default 100, at most 1,000) and an opaque `cursor`; each page
says where the next one is (`next`, a relative URL with the same arguments, or null).

A cursor carries where the previous page ended (a sitting's start and id for the meetings,
a position for the directory lists), base64url-encoded JSON: clients pass it back as given.
It grants nothing: every page is authorised and filtered like the first."""
import base64
import binascii
import json

from flask import request, url_for
from flask_babel import gettext as _

from ..core.errors import ValidationError
from ..core.requests import int_arg

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def limit_arg() -> int:
    return int_arg(request.args, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT)


def cursor_arg(kind: str) -> dict | None:
    """The decoded cursor of this kind of list, or None on the first page."""
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("k") != kind:
        message = _("cursor không hợp lệ: hãy dùng liên kết next của trang trước.")
        raise ValidationError(message, {"fields": {"cursor": message}})
    return data


def next_link(kind: str, **position) -> str:
    """The URL of the page after this one: the same route and arguments, a new cursor."""
    token = base64.urlsafe_b64encode(json.dumps({"k": kind, **position}).encode()).decode().rstrip("=")
    args = request.args.to_dict(flat=True)
    args["cursor"] = token
    return url_for(request.endpoint, **(request.view_args or {}), **args, _external=False)


def offset_page(kind: str, rows_of):
    """(items, next link) of a list read by position: `rows_of(offset, limit)` returns up to
    `limit` rows from `offset`."""
    limit = limit_arg()
    cursor = cursor_arg(kind)
    offset = cursor.get("o") if cursor else 0
    if not isinstance(offset, int) or offset < 0:
        raise ValidationError(_("cursor không hợp lệ: hãy dùng liên kết next của trang trước."),
                              {"fields": {"cursor": _("cursor không hợp lệ.")}})
    rows = rows_of(offset, limit + 1)
    more = len(rows) > limit
    return rows[:limit], (next_link(kind, o=offset + limit) if more else None)


def sitting_page(find):
    """(sittings, next link) of a calendar list in (start, id) order: `find(after, limit)`
    returns up to `limit` sittings after the (start, id) given (None: from the first)."""
    from datetime import datetime

    limit = limit_arg()
    cursor = cursor_arg("sittings")
    after = None
    if cursor is not None:
        try:
            after = (datetime.fromisoformat(cursor["s"]), int(cursor["i"]))
        except (KeyError, TypeError, ValueError):
            after = None
        if after is None or after[0].tzinfo is None:
            message = _("cursor không hợp lệ: hãy dùng liên kết next của trang trước.")
            raise ValidationError(message, {"fields": {"cursor": message}})
    rows = find(after, limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return page, (next_link("sittings", s=page[-1].start_at.isoformat(), i=page[-1].id) if more else None)
