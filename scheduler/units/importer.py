"""Loading units from a CSV or JSON file (`flask import-units FILE`).

Columns / keys: code, name, kind, parent (code), valid_from, valid_to, email, phone, tech_name,
tech_phone, tech_email. A unit is identified by (code, valid_from), since GSO codes are reused
after mergers. A row matches an existing unit:
- with a valid_from: the unit of that code starting that day (none: the row creates a unit);
- with only a valid_to (a closing row): the unit of that code existing on that last day;
- with neither: the unit of that code without a start date, else the current holder of the code.
A matched row updates the unit (a `valid_to` closes it); an unmatched row creates one.

The whole file is checked first: any bad row refuses the file with every row number and the
caller rolls back, so nothing is written. Rows count like the lines of the file (the CSV header
is line 1); JSON entries count from 1.
"""
import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.services import record
from ..core.errors import ValidationError
from ..core.timeutil import today_local
from ..extensions import db
from .models import UNIT_KINDS, Unit
from .services import refresh_paths

COLUMNS = ("code", "name", "kind", "parent", "valid_from", "valid_to",
           "email", "phone", "tech_name", "tech_phone", "tech_email")
CONTACTS = ("email", "phone", "tech_name", "tech_phone", "tech_email")
MAX_CONSISTENCY_ERRORS = 20


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    closed: int = 0
    successions: int = 0
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
    """The raw rows of a CSV or JSON file; an unreadable file is a ValidationError."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Tệp không phải văn bản UTF-8."))
    if _is_json(path):
        try:
            data = json.loads(text)
        except ValueError as err:
            raise ValidationError(_("Tệp JSON không hợp lệ: %(error)s", error=str(err)))
        if isinstance(data, dict):
            data = data.get("units")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationError(_("JSON: cần một danh sách đơn vị hoặc {\"units\": [...]}."))
        return data
    try:
        reader = csv.DictReader(io.StringIO(text))
        if {"successor", "predecessor"} <= set(reader.fieldnames or []):
            return list(reader)  # a file of predecessors (units/succession.py)
        missing = {"code", "name", "kind"} - set(reader.fieldnames or [])
        if missing:
            raise ValidationError(_("CSV: thiếu cột %(columns)s.", columns=", ".join(sorted(missing))))
        return list(reader)
    except csv.Error as err:
        raise ValidationError(_("Tệp CSV không hợp lệ: %(error)s", error=str(err)))


def _is_json(path: str | Path) -> bool:
    return str(path).lower().endswith(".json")


def import_file(path: str | Path, actor=None) -> "ImportReport":
    """Read and apply a CSV or JSON file (the caller commits, or rolls back on error): units,
    or the predecessors of units (columns successor, predecessor, share)."""
    from .succession import import_successions, is_succession_file

    rows, first = read_rows(path), 1 if _is_json(path) else 2
    if is_succession_file(rows):
        return ImportReport(successions=import_successions(rows, actor, first_row_number=first))
    return import_units(rows, actor, first_row_number=first)


def _date(value, label, errors, number):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.append(_("dòng %(row)s: %(label)s '%(value)s' không phải ngày (YYYY-MM-DD)",
                        row=number, label=label, value=value))
        return None


def _parse_row(number: int, raw: dict, errors: list[str]) -> Row:
    def get(key):
        value = raw.get(key)
        return "" if value is None else str(value).strip()

    code, name, kind, parent = get("code"), get("name"), get("kind"), get("parent")
    if not code:
        errors.append(_("dòng %(row)s: mã đơn vị (code) trống", row=number))
    elif len(code) > 20:
        errors.append(_("dòng %(row)s: mã %(code)s dài hơn 20 ký tự", row=number, code=code))
    if not name:
        errors.append(_("dòng %(row)s: tên đơn vị (name) trống", row=number))
    if kind not in UNIT_KINDS:
        errors.append(_("dòng %(row)s: loại đơn vị (kind) '%(kind)s' không thuộc %(kinds)s",
                        row=number, kind=kind, kinds=", ".join(UNIT_KINDS)))
    valid_from = _date(raw.get("valid_from"), "valid_from", errors, number)
    valid_to = _date(raw.get("valid_to"), "valid_to", errors, number)
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(_("dòng %(row)s: valid_to %(end)s trước valid_from %(start)s",
                        row=number, end=valid_to, start=valid_from))
    # a city may sit under a national root in another installation; every other kind needs one
    if kind in UNIT_KINDS and kind != "city" and not parent:
        errors.append(_("dòng %(row)s: đơn vị loại %(kind)s cần có đơn vị cấp trên (parent)",
                        row=number, kind=kind))
    return Row(number, code, name, kind, parent or None, valid_from, valid_to,
               {c: get(c) or None for c in CONTACTS})


def parse(raw_rows: list[dict], first_row_number: int = 2) -> tuple[list[Row], list[str]]:
    errors: list[str] = []
    rows = [_parse_row(number, raw, errors)
            for number, raw in enumerate(raw_rows, start=first_row_number)]
    seen = {}
    for row in rows:
        key = (row.code, row.valid_from)
        if key in seen:
            errors.append(_("dòng %(row)s: mã %(code)s trùng với dòng %(other)s",
                            row=row.number, code=row.code, other=seen[key]))
        else:
            seen[key] = row.number
    return rows, errors


class Registry:
    """Every unit carrying a code the file names (as a unit or a parent), loaded in one pass and
    kept current while rows apply, so matching a large file costs a handful of queries."""

    def __init__(self, codes: set[str]):
        self.units: dict[str, list[Unit]] = defaultdict(list)
        codes = sorted(codes)
        for i in range(0, len(codes), 500):
            for unit in db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes[i:i + 500]))):
                self.units[unit.code].append(unit)

    def add(self, unit: Unit) -> None:
        self.units[unit.code].append(unit)

    def holder(self, code: str, on: date | None = None) -> Unit | None:
        """Like Unit.by_code: the unit holding `code` on a day; without a day the current one,
        or for a retired code the most recent holder."""
        candidates = [u for u in self.units.get(code, ()) if on is None or u.exists_on(on)]
        candidates.sort(key=lambda u: (u.valid_to is None, u.valid_to or date.min,
                                       u.valid_from or date.min), reverse=True)
        return candidates[0] if candidates else None

    def exact(self, code: str, valid_from: date | None) -> Unit | None:
        return next((u for u in self.units.get(code, ()) if u.valid_from == valid_from), None)

    def overlapping(self, code: str, start: date | None, end: date | None) -> Unit | None:
        """A unit of `code` whose validity meets [start, end] (None = unbounded)."""
        for unit in self.units.get(code, ()):
            if ((start is None or unit.valid_to is None or unit.valid_to >= start)
                    and (end is None or unit.valid_from is None or unit.valid_from <= end)):
                return unit
        return None

    def match(self, row: Row) -> Unit | None:
        if row.valid_from is not None:
            return self.exact(row.code, row.valid_from)
        if row.valid_to is not None:
            # a closing row names the unit that exists on its last day, not a later holder
            return self.holder(row.code, row.valid_to)
        return self.exact(row.code, None) or self.holder(row.code)


def import_units(raw_rows: list[dict], actor=None, first_row_number: int = 2) -> ImportReport:
    """Apply the rows; raises ValidationError listing every bad row. The caller commits, or
    rolls back on error, so a bad file writes nothing."""
    rows, errors = parse(raw_rows, first_row_number)
    if errors:
        raise ValidationError("\n".join(errors), {"errors": errors})
    registry = Registry({r.code for r in rows} | {r.parent for r in rows if r.parent})
    report, applied = ImportReport(), {}
    matched = [(row, registry.match(row)) for row in rows]
    # closings and updates first, so that a code retired in this file can be given to a new unit
    updates = [(row, unit, _update(row, unit, report, errors))
               for row, unit in matched if unit is not None]
    db.session.flush()
    _create_units([row for row, unit in matched if unit is None], registry, report, errors, applied)
    db.session.flush()
    # moves last: a unit may move under a parent this same file creates
    for row, unit, changes in updates:
        _move(row, unit, registry, errors, changes)
        applied[unit] = row.number
        if changes:
            report.updated += 1
            record(actor, "unit.update", "unit", unit.id, unit=unit, summary=unit.name,
                   changes=changes)
    db.session.flush()
    errors.extend(_check_consistency({u.id: n for u, n in applied.items()}))
    if errors:
        raise ValidationError("\n".join(errors), {"errors": errors})
    record(actor, "unit.import", "unit", None, summary=f"{report.created} created, "
           f"{report.updated} updated, {report.closed} closed")
    return report


def _create_units(pending: list[Row], registry: Registry, report: ImportReport,
                errors: list[str], applied: dict) -> None:
    """Create the unmatched rows generation by generation: parents before children, whatever
    the file's order, with one flush per generation (the path needs the parent's id)."""
    while pending:
        waiting = {r.code for r in pending}
        ready = [r for r in pending if not (r.parent and r.parent in waiting - {r.code})]
        if not ready:
            errors.extend(_("dòng %(row)s: đơn vị cấp trên %(parent)s tạo thành vòng lặp",
                            row=r.number, parent=r.parent) for r in pending)
            return
        created = [(row, unit) for row in ready
                   if (unit := _create(row, registry, report, errors)) is not None]
        db.session.flush()
        for row, unit in created:
            unit.path = unit.compute_path()
            applied[unit] = row.number
        pending = [r for r in pending if r not in ready]


def _resolve_parent(row: Row, registry: Registry, errors: list[str],
                    on: date | None = None) -> Unit | None:
    if row.parent is None:
        return None
    on = row.valid_from or row.valid_to or on
    parent = registry.holder(row.parent, on)
    if parent is None:
        if on:
            errors.append(_("dòng %(row)s: đơn vị cấp trên %(parent)s không tồn tại vào ngày %(day)s",
                            row=row.number, parent=row.parent, day=on))
        else:
            errors.append(_("dòng %(row)s: đơn vị cấp trên %(parent)s không tồn tại",
                            row=row.number, parent=row.parent))
    return parent


def _create(row: Row, registry: Registry, report: ImportReport, errors: list[str]) -> Unit | None:
    holder = registry.overlapping(row.code, row.valid_from, row.valid_to)
    if holder is not None:
        errors.append(_("dòng %(row)s: mã %(code)s vẫn đang thuộc về %(name)s "
                        "(hiệu lực %(start)s – %(end)s)", row=row.number, code=row.code,
                        name=holder.name, start=holder.valid_from or "…", end=holder.valid_to or "…"))
        return None
    parent = _resolve_parent(row, registry, errors)
    if row.parent and parent is None:
        return None
    unit = Unit(code=row.code, name=row.name, kind=row.kind, parent=parent,
                valid_from=row.valid_from, valid_to=row.valid_to, **row.contacts)
    db.session.add(unit)
    registry.add(unit)
    report.created += 1
    return unit


def _update(row: Row, unit: Unit, report: ImportReport, errors: list[str]) -> dict:
    """Apply a matched row's name, kind, closing and contacts; returns the changes."""
    changes = {}
    for attr in ("name", "kind"):
        if getattr(unit, attr) != getattr(row, attr):
            changes[attr] = [getattr(unit, attr), getattr(row, attr)]
            setattr(unit, attr, getattr(row, attr))
    if row.valid_to is not None and row.valid_to != unit.valid_to:
        if unit.valid_from is not None and row.valid_to < unit.valid_from:
            errors.append(_("dòng %(row)s: valid_to %(end)s trước ngày %(code)s bắt đầu hiệu lực "
                            "(%(start)s)", row=row.number, end=row.valid_to, code=row.code,
                            start=unit.valid_from))
        else:
            changes["valid_to"] = [unit.valid_to, row.valid_to]
            unit.valid_to = row.valid_to
            report.closed += 1
    for contact, value in row.contacts.items():
        if value and getattr(unit, contact) != value:
            changes[contact] = [getattr(unit, contact), value]
            setattr(unit, contact, value)
    return changes


def _move(row: Row, unit: Unit, registry: Registry, errors: list[str], changes: dict) -> None:
    # without dates in the row, the parent is the one of a day the unit existed
    parent = _resolve_parent(row, registry, errors, on=_a_day_of(unit))
    if parent is None or parent.id == unit.parent_id:
        return
    if parent.is_within(unit):
        errors.append(_("dòng %(row)s: %(parent)s nằm dưới %(code)s",
                        row=row.number, parent=row.parent, code=row.code))
        return
    changes["parent"] = [unit.parent.code if unit.parent else None, parent.code]
    unit.parent = parent
    refresh_paths(unit)


def _a_day_of(unit: Unit) -> date | None:
    if unit.valid_to is not None:
        return unit.valid_to
    today = today_local()
    return today if unit.valid_from is None or unit.valid_from <= today else unit.valid_from


def _check_consistency(rows_of: dict[int, int]) -> list[str]:
    """A unit may not outlive its parent: a closed district must not keep open wards. The error
    names the row that closed the parent (or opened the child)."""
    parent = sa.orm.aliased(Unit)
    orphans = db.session.execute(
        sa.select(Unit.id, Unit.code, Unit.name, parent.id, parent.code, parent.valid_to)
        .join(parent, Unit.parent_id == parent.id)
        .where(parent.valid_to.is_not(None),
               sa.or_(Unit.valid_to.is_(None), Unit.valid_to > parent.valid_to))
        .order_by(Unit.code).limit(MAX_CONSISTENCY_ERRORS)).all()
    errors = []
    for child_id, code, name, parent_id, pcode, pend in orphans:
        message = _("%(parent)s đóng ngày %(day)s nhưng đơn vị cấp dưới %(code)s (%(name)s) vẫn "
                    "còn hiệu lực sau ngày đó", parent=pcode, day=pend, code=code, name=name)
        numbers = sorted({rows_of[i] for i in (parent_id, child_id) if i in rows_of})
        if numbers:
            message = _("dòng %(row)s: ", row=", ".join(map(str, numbers))) + message
        errors.append(message)
    return errors
