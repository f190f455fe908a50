"""Which former units formed each later one (Resolution 1656/NQ-UBTVQH15 for Hà Nội's 2025 units),
loaded from a CSV with the columns successor, predecessor, share (`whole` or `part`) — names
may follow for the reader. `flask import-units` recognises such a file by its header.

A successor code names the unit holding it now (or its most recent holder); a predecessor code
the unit holding it on the day before the successor began, which keeps a reused code apart:
"00004 formed from 00004" is Phường Ba Đình of 2025 formed from Phường Trúc Bạch.
"""
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.services import record
from ..core.errors import ValidationError
from ..extensions import db
from .models import Unit, UnitSuccession

SHARES = ("whole", "part")


def is_succession_file(raw_rows: list[dict]) -> bool:
    return bool(raw_rows) and {"successor", "predecessor"} <= set(raw_rows[0])


def import_successions(raw_rows: list[dict], actor=None, first_row_number: int = 2) -> int:
    """Add the pairs not yet recorded (a pair already there keeps its row, its share updated);
    returns how many were added. Any bad row refuses the file, every row number listed."""
    errors, pairs = [], []
    holders = _holders({str(raw.get(k) or "").strip() for raw in raw_rows
                        for k in ("successor", "predecessor")})
    for number, raw in enumerate(raw_rows, start=first_row_number):
        successor_code = str(raw.get("successor") or "").strip()
        predecessor_code = str(raw.get("predecessor") or "").strip()
        share = str(raw.get("share") or "whole").strip()
        successor = holders.latest(successor_code)
        if successor is None or successor.valid_from is None:
            errors.append(_("dòng %(row)s: không có đơn vị mới mã %(code)s (cần ngày bắt đầu hiệu lực)",
                            row=number, code=successor_code))
            continue
        day_before = successor.valid_from - timedelta(days=1)
        predecessor = holders.on(predecessor_code, day_before)
        if predecessor is None:
            errors.append(_("dòng %(row)s: không có đơn vị mã %(code)s vào ngày %(day)s",
                            row=number, code=predecessor_code, day=day_before.isoformat()))
            continue
        if share not in SHARES:
            errors.append(_("dòng %(row)s: share phải là whole hoặc part", row=number))
            continue
        pairs.append((predecessor, successor, share == "whole"))
    if errors:
        raise ValidationError("\n".join(errors), {"errors": errors})
    existing = {(p, s): row for row in db.session.scalars(sa.select(UnitSuccession))
                for p, s in [(row.predecessor_id, row.successor_id)]}
    added = 0
    for predecessor, successor, whole in pairs:
        row = existing.get((predecessor.id, successor.id))
        if row is None:
            row = UnitSuccession(predecessor_id=predecessor.id, successor_id=successor.id)
            db.session.add(row)
            existing[(predecessor.id, successor.id)] = row
            added += 1
        row.whole = whole
    db.session.flush()
    record(actor, "unit.successions", "unit", None, summary=f"{added} added, {len(pairs)} in file")
    return added


class _holders:
    """The units of the file's codes, loaded in one query, picked as Unit.by_code picks them."""

    def __init__(self, codes: set[str]):
        self.units: dict[str, list[Unit]] = {}
        for unit in db.session.scalars(sa.select(Unit).where(Unit.code.in_(sorted(codes - {""})))):
            self.units.setdefault(unit.code, []).append(unit)

    def latest(self, code: str) -> Unit | None:
        found = self.units.get(code, [])
        return max(found, key=lambda u: (u.valid_to is None, u.valid_to or date.min,
                                         u.valid_from or date.min), default=None)

    def on(self, code: str, day: date) -> Unit | None:
        return next((u for u in self.units.get(code, []) if u.exists_on(day)), None)


def predecessor_units(unit: Unit) -> list[tuple[Unit, bool]]:
    """(former unit, merged whole) that formed `unit`, whole ones first."""
    return [(row.predecessor, row.whole) for row in UnitSuccession.predecessors_of(unit)]


def successor_units(unit: Unit) -> list[tuple[Unit, bool]]:
    """(later unit, merged whole) that `unit` became part of."""
    return [(row.successor, row.whole) for row in UnitSuccession.successors_of(unit)]


def successor_choices(unit: Unit, on: date) -> list[Unit]:
    """Where the users of a closed unit may go, as offered on its page: the units it merged
    into; for a district, which has none of its own, the units its wards merged into and the
    unit above it (the city took over the districts' work). Only units existing on `on`."""
    found = [u for u, _whole in successor_units(unit)]
    if not found:
        children = sa.select(Unit.id).where(Unit.parent_id == unit.id)
        found = list(db.session.scalars(
            sa.select(Unit).join(UnitSuccession, UnitSuccession.successor_id == Unit.id)
            .where(UnitSuccession.predecessor_id.in_(children)).distinct().order_by(Unit.code)))
        if unit.parent is not None:
            found.insert(0, unit.parent)
    return [u for u in dict.fromkeys(found) if u.exists_on(on)]
