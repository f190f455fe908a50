"""Unit tree queries and the facts the API shows of each unit."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.services import diff, record, snapshot
from ..core.access import get_or_404, require
from ..core.textsearch import contains
from ..core.errors import NotFound, ValidationError
from ..core.timeutil import today_local
from ..extensions import db
from .events import paths_moved
from .models import UNIT_KINDS, Unit


def get_unit(code: str, on: date | None = None, may: str | None = None, user=None) -> Unit:
    """The unit carrying `code` (on day `on`), else a 404; with `may`, a 403 unless the user
    (the signed-in one by default) holds that permission over it."""
    unit = Unit.by_code(code, on)
    if unit is None:
        raise NotFound(_("Không tìm thấy đơn vị mã %(code)s.", code=code))
    if may is not None:
        require(may, unit, user=user)
    return unit


def list_units(kind: str | None = None, parent: Unit | None = None, on: date | None = None,
               include_retired: bool = False, search: str | None = None,
               page: tuple[int, int] | None = None) -> list[Unit]:
    """Units in code order; `page` = (offset, limit) reads a part of them."""
    query = sa.select(Unit).order_by(Unit.code, Unit.valid_from, Unit.id)
    if kind:
        if kind not in UNIT_KINDS:
            raise ValidationError(_("Loại đơn vị không hợp lệ: %(kind)s.", kind=kind),
                                  {"kind": kind, "allowed": list(UNIT_KINDS)})
        query = query.where(Unit.kind == kind)
    if parent is not None:
        query = query.where(Unit.parent_id == parent.id)
    if not include_retired:
        query = query.where(Unit.active_on(on or today_local()))
    if search:
        query = query.where(sa.or_(contains(Unit.name, search),
                                   Unit.code.icontains(search.strip(), autoescape=True)))
    if page is not None:
        query = query.offset(page[0]).limit(page[1])
    return list(db.session.scalars(query))


def unit_to_dict(unit: Unit, facts: dict[int, tuple[bool, bool]], parents: dict[int, str]) -> dict:
    wan, vc = facts.get(unit.id, (False, False))
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": parents.get(unit.parent_id) if unit.parent_id else None,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "wan_connected": wan,
        "vc_deployed": vc,
        "email": unit.email,
        "tech_contact": {"name": unit.tech_name, "phone": unit.tech_phone, "email": unit.tech_email},
    }


def units_as_dicts(units: list[Unit], facts: dict[int, tuple[bool, bool]]) -> list[dict]:
    """The API's units, with their connection facts (endpoints.facts.connection_facts of the
    day asked), each with the codes of the units it was formed from and merged into."""
    parent_ids = {u.parent_id for u in units if u.parent_id}
    parents = dict(db.session.execute(sa.select(Unit.id, Unit.code).where(Unit.id.in_(parent_ids))).all()) \
        if parent_ids else {}
    links = succession_codes([u.id for u in units])
    return [dict(unit_to_dict(u, facts, parents), **links.get(u.id, EMPTY_LINKS)) for u in units]


EMPTY_LINKS = {"predecessors": [], "successors": []}


def succession_codes(unit_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """{unit id: {"predecessors": [codes], "successors": [codes]}} in one query."""
    from .models import UnitSuccession

    if not unit_ids:
        return {}
    other = sa.orm.aliased(Unit)
    found: dict[int, dict[str, list[str]]] = {}
    seen = set()
    for ids in (unit_ids[i:i + 500] for i in range(0, len(unit_ids), 500)):
        rows = db.session.execute(
            sa.select(UnitSuccession.predecessor_id, UnitSuccession.successor_id, other.code, Unit.code)
            .join(other, other.id == UnitSuccession.predecessor_id)
            .join(Unit, Unit.id == UnitSuccession.successor_id)
            .where(sa.or_(UnitSuccession.predecessor_id.in_(ids), UnitSuccession.successor_id.in_(ids)))
            .order_by(other.code, Unit.code))
        for pred_id, succ_id, pred_code, succ_code in rows:
            if (pred_id, succ_id) in seen:
                continue
            seen.add((pred_id, succ_id))
            found.setdefault(succ_id, {"predecessors": [], "successors": []})["predecessors"].append(pred_code)
            found.setdefault(pred_id, {"predecessors": [], "successors": []})["successors"].append(succ_code)
    return found


CONTACT_FIELDS = ("email", "phone", "tech_name", "tech_phone", "tech_email")


def update_contacts(actor, unit: Unit, values: dict) -> Unit:
    require("manage", unit, user=actor)
    before = snapshot(unit, CONTACT_FIELDS)
    for field in CONTACT_FIELDS:
        value = (values.get(field) or "").strip() or None
        setattr(unit, field, value)
    changes = diff(before, snapshot(unit, CONTACT_FIELDS))
    if changes:
        record(actor, "unit.contacts", "unit", unit.id, unit=unit, summary=unit.name, changes=changes)
    return unit


def units_in_reach(user, permission: str = "view", on: date | None = None) -> list[Unit]:
    """The units (existing on `on`, today by default) where `user` holds `permission`, in tree
    order: each unit right after its parent, so a select list reads like the tree."""
    units = list(db.session.scalars(sa.select(Unit).where(
        Unit.in_reach(user, permission), Unit.active_on(on or today_local()))))
    by_id = {u.id: u for u in units}

    def chain(unit: Unit) -> tuple:
        ids = [int(part) for part in unit.path.strip("/").split("/") if part]
        return tuple(by_id[i].code if i in by_id else "" for i in ids)
    return sorted(units, key=chain)


def unit_choices(user, permission: str = "manage") -> list[tuple[int, str]]:
    """(id, label) pairs for a unit select, indented by depth below the user's reach."""
    units = units_in_reach(user, permission)
    top = min((u.path.count("/") for u in units), default=0)
    return [(u.id, "\u00a0\u00a0" * (u.path.count("/") - top) + f"{u.name} ({u.code})") for u in units]


def get_unit_by_id(unit_id) -> Unit:
    return get_or_404(Unit, unit_id, _("Không tìm thấy đơn vị."))


def refresh_paths(unit: Unit) -> None:
    """Recompute the materialised path of `unit` and everything below it (after a move)."""
    old = unit.path
    db.session.flush()
    unit.path = unit.compute_path()
    if old and old != unit.path:
        db.session.flush()
        db.session.execute(
            sa.update(Unit).where(Unit.path.startswith(old, autoescape=True), Unit.id != unit.id)
            .values(path=sa.func.replace(Unit.path, old, unit.path)).execution_options(synchronize_session=False))
        db.session.expire_all()
        paths_moved.send(unit)
