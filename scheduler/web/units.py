"""The pages of the units blueprint that show a unit beside what the packages above it know:
the home page (the unit's coming meetings and the approvals waiting), the unit tree and a unit's
page (connection facts, rooms, endpoints, users), and moving the users of a closed unit. They
are delivery: they read several domains and call their services; the routes are added to the
`units` blueprint, so their names (units.home, units.tree, units.detail, units.move_users) and
URLs stay those of the units' pages."""
from collections import defaultdict

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import User
from ..auth.services import move_users as move_unit_users
from ..core.errors import ValidationError
from ..core.requests import day_arg
from ..core.timeutil import today_local
from ..core.types import parse_id
from ..endpoints.facts import connection_facts
from ..endpoints.services import list_endpoints
from ..extensions import db
from ..meetings.views import home_meetings
from ..rooms.services import list_rooms
from ..units import bp, services, succession
from ..units.models import Unit


@bp.route("/")
@login_required
def home():
    return render_template("units/home.html", unit=current_user.unit, home=home_meetings())


@bp.route("/units")
@login_required
def tree():
    """The unit tree as it stood on a day (today by default), with each unit's connection
    facts. The tree is public inside the application: everyone needs it to invite units."""
    day = day_arg(request.args, "on", None) or today_local()
    units = list(db.session.scalars(sa.select(Unit).where(Unit.active_on(day)).order_by(Unit.code)))
    facts = connection_facts([u.id for u in units], day)
    children = defaultdict(list)
    ids = {u.id for u in units}
    roots = []
    for unit in units:
        if unit.parent_id in ids:
            children[unit.parent_id].append(unit)
        else:
            roots.append(unit)
    kind_order = {"city": 0, "department": 1, "district": 2, "ward": 3}
    for items in children.values():
        items.sort(key=lambda u: (kind_order[u.kind], u.code))
    wards = [u for u in units if u.kind == "ward"]
    summary = {
        "wards": len(wards),
        "wan": sum(1 for u in wards if facts.get(u.id, (False, False))[0]),
        "vc": sum(1 for u in wards if facts.get(u.id, (False, False))[1]),
    }
    return render_template("units/tree.html", roots=roots, children=children, facts=facts,
                           day=day, summary=summary)


@bp.route("/units/<int:unit_id>")
@login_required
def detail(unit_id):
    unit = services.get_unit_by_id(unit_id)
    may_view = unit.can_view(current_user)
    children = list(db.session.scalars(sa.select(Unit).where(
        Unit.parent_id == unit.id, Unit.active_on(today_local())).order_by(Unit.code)))
    facts = connection_facts([unit.id, *[c.id for c in children]])
    today = today_local()
    may_move = unit.can_manage(current_user) and not unit.exists_on(today)
    users = list(db.session.scalars(sa.select(User).where(User.unit_id == unit.id)
                                    .order_by(User.username))) if may_move else []
    return render_template(
        "units/detail.html", unit=unit, children=children, facts=facts,
        predecessors=succession.predecessor_units(unit), successors=succession.successor_units(unit),
        users_to_move=users,
        move_choices=succession.successor_choices(unit, today) if users else [],
        ancestors=unit.ancestors(),
        rooms=list_rooms(current_user, unit=unit, subtree=False) if may_view else None,
        endpoints=list_endpoints(current_user, unit=unit, subtree=False) if may_view else None,
        may_manage=unit.can_manage(current_user))


@bp.route("/units/<int:unit_id>/move-users", methods=["POST"])
@login_required
def move_users(unit_id):
    unit = services.get_unit_by_id(unit_id)
    target_id = parse_id(request.form.get("target"))
    if target_id is None:
        raise ValidationError(_("Hãy chọn đơn vị chuyển đến."), {"fields": {"target": _("Hãy chọn đơn vị chuyển đến.")}})
    target = services.get_unit_by_id(target_id)
    moved = move_unit_users(current_user, unit, target, today_local())
    db.session.commit()
    flash(_("Đã chuyển %(n)d người dùng của %(old)s sang %(new)s.", n=moved, old=unit.name,
            new=target.name), "success")
    return redirect(url_for("units.detail", unit_id=unit.id))
