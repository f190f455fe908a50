"""Loading units from a CSV or JSON file (`flask import-units FILE`).

Columns / keys: code, name, kind, parent (code), valid_from, valid_to, email, phone, tech_name,
tech_phone, tech_email. A row matches an existing unit by code (and valid_from when given); a
matched row updates it (a `valid_to` closes it), an unmatched row creates a unit. The whole file
is checked first: any bad row refuses the file with every row number and writes nothing.
"""
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ..audit.services import record
from ..core.errors import ValidationError
from ..extensions import db
from .models import UNIT_KINDS, Unit
from .services import refresh_paths

COLUMNS = ("code", "name", "kind", "parent", "valid_from", "valid_to",
           "email", "phone", "tech_name", "tech_phone", "tech_email")
CONTACTS = ("email", "phone", "tech_name", "tech_phone", "tech_email")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    closed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Row:
    number: int
    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: date | None
    valid_to: date | None
    contacts: dict


def read_rows(path: str | Path) -> list[dict]:
    text = Path(path).read_text(encoding="utf-8-sig")
    if str(path).lower().endswith(".json"):
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("units")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationError("JSON: expected a list of units or {\"units\": [...]}")
        return data
    reader = csv.DictReader(io.StringIO(text))
    missing = {"code", "name", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(f"CSV: missing columns {', '.join(sorted(missing))}")
    return list(reader)


def _date(value, label, errors, number):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.append(f"row {number}: {label} '{value}' is not a date (YYYY-MM-DD)")
        return None


def parse(raw_rows: list[dict], first_row_number: int = 2) -> tuple[list[Row], list[str]]:
    rows, errors = [], []
    for number, raw in enumerate(raw_rows, start=first_row_number):
        get = lambda key: (str(raw.get(key) or "")).strip()  # noqa: E731
        code, name, kind = get("code"), get("name"), get("kind")
        if not code:
            errors.append(f"row {number}: code is empty")
        elif len(code) > 20:
            errors.append(f"row {number}: code '{code}' is longer than 20 characters")
        if not name:
            errors.append(f"row {number}: name is empty")
        if kind not in UNIT_KINDS:
            errors.append(f"row {number}: kind '{kind}' is not one of {', '.join(UNIT_KINDS)}")
        valid_from = _date(raw.get("valid_from"), "valid_from", errors, number)
        valid_to = _date(raw.get("valid_to"), "valid_to", errors, number)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(f"row {number}: valid_to {valid_to} is before valid_from {valid_from}")
        if kind == "city" and get("parent"):
            pass  # a city may sit under a national root in another installation
        elif kind and kind != "city" and not get("parent"):
            errors.append(f"row {number}: a {kind} needs a parent")
        rows.append(Row(number, code, name, kind, get("parent") or None, valid_from, valid_to,
                        {c: get(c) or None for c in CONTACTS}))
    seen = {}
    for row in rows:
        key = (row.code, row.valid_from)
        if key in seen:
            errors.append(f"row {row.number}: code {row.code} repeats row {seen[key]}")
        seen[key] = row.number
    return rows, errors


def _match(row: Row) -> Unit | None:
    query = sa.select(Unit).where(Unit.code == row.code)
    if row.valid_from is not None:
        exact = db.session.scalars(query.where(Unit.valid_from == row.valid_from)).first()
        if exact is not None:
            return exact
        # a row that starts a new unit for a code still held by an open unit is a new holder
        return None
    return Unit.by_code(row.code)


def _resolve_parent(row: Row, errors: list[str]) -> Unit | None:
    if row.parent is None:
        return None
    on = row.valid_from or row.valid_to
    parent = Unit.by_code(row.parent, on) if on else Unit.by_code(row.parent)
    if parent is None:
        errors.append(f"row {row.number}: parent {row.parent} does not exist"
                      + (f" on {on}" if on else ""))
    return parent


def import_units(raw_rows: list[dict], actor=None) -> ImportReport:
    """Apply the rows; raises ValidationError listing every bad row. The caller commits, or
    rolls back on error, so a bad file writes nothing."""
    rows, errors = parse(raw_rows)
    if errors:
        raise ValidationError("\n".join(errors), {"errors": errors})
    report = ImportReport()
    matched = [(row, _match(row)) for row in rows]
    # closings and updates first, so that a code retired in this file can be given to a new unit
    for row, unit in matched:
        if unit is not None:
            _update(row, unit, report, errors, actor)
    db.session.flush()
    pending = [row for row, unit in matched if unit is None]
    while pending:  # parents before children, whatever the file's order
        progressed = []
        for row in pending:
            if row.parent and row.parent in {r.code for r in pending if r is not row}:
                continue
            _create(row, report, errors, actor)
            progressed.append(row)
        if not progressed:
            errors.extend(f"row {r.number}: parent {r.parent} forms a cycle" for r in pending)
            break
        pending = [r for r in pending if r not in progressed]
    db.session.flush()
    errors.extend(_check_consistency())
    if errors:
        raise ValidationError("\n".join(errors), {"errors": errors})
    record(actor, "unit.import", "unit", None, summary=f"{report.created} created, "
           f"{report.updated} updated, {report.closed} closed")
    return report


def _overlapping_holder(code: str, start: date | None, end: date | None, exclude_id=None) -> Unit | None:
    query = sa.select(Unit).where(Unit.code == code)
    if exclude_id is not None:
        query = query.where(Unit.id != exclude_id)
    query = query.where(sa.or_(Unit.valid_to.is_(None), Unit.valid_to >= start) if start else sa.true(),
                        sa.or_(Unit.valid_from.is_(None), Unit.valid_from <= end) if end else sa.true())
    return db.session.scalars(query).first()


def _create(row: Row, report: ImportReport, errors: list[str], actor) -> None:
    holder = _overlapping_holder(row.code, row.valid_from, row.valid_to)
    if holder is not None:
        errors.append(f"row {row.number}: code {row.code} is still held by {holder.name} "
                      f"(valid {holder.valid_from or '…'} – {holder.valid_to or '…'})")
        return
    parent = _resolve_parent(row, errors)
    if row.parent and parent is None:
        return
    unit = Unit(code=row.code, name=row.name, kind=row.kind, parent=parent,
                valid_from=row.valid_from, valid_to=row.valid_to, **row.contacts)
    db.session.add(unit)
    db.session.flush()
    unit.path = unit.compute_path()
    report.created += 1


def _update(row: Row, unit: Unit, report: ImportReport, errors: list[str], actor) -> None:
    changes = {}
    for attr in ("name", "kind"):
        if getattr(unit, attr) != getattr(row, attr):
            changes[attr] = [getattr(unit, attr), getattr(row, attr)]
            setattr(unit, attr, getattr(row, attr))
    if row.valid_to != unit.valid_to and row.valid_to is not None:
        changes["valid_to"] = [unit.valid_to, row.valid_to]
        unit.valid_to = row.valid_to
        report.closed += 1
    for contact, value in row.contacts.items():
        if value and getattr(unit, contact) != value:
            changes[contact] = [getattr(unit, contact), value]
            setattr(unit, contact, value)
    parent = _resolve_parent(row, errors)
    if parent is not None and parent.id != unit.parent_id:
        if parent.is_within(unit):
            errors.append(f"row {row.number}: {row.parent} lies below {row.code}")
            return
        changes["parent"] = [unit.parent.code if unit.parent else None, parent.code]
        unit.parent = parent
        refresh_paths(unit)
    if changes:
        report.updated += 1
        record(actor, "unit.update", "unit", unit.id, unit=unit, summary=unit.name, changes=changes)


def _check_consistency() -> list[str]:
    """A unit may not outlive its parent: a closed district must not keep open wards."""
    parent = sa.orm.aliased(Unit)
    orphans = db.session.execute(
        sa.select(Unit.code, Unit.name, parent.code, parent.valid_to)
        .join(parent, Unit.parent_id == parent.id)
        .where(parent.valid_to.is_not(None),
               sa.or_(Unit.valid_to.is_(None), Unit.valid_to > parent.valid_to))
        .order_by(Unit.code).limit(20)).all()
    return [f"unit {code} ({name}) stays open after its parent {pcode} closes on {pend}"
            for code, name, pcode, pend in orphans]
