from collections import defaultdict

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user, login_required

from ..core.requests import day_arg
from ..core.timeutil import today_local
from ..extensions import db
from . import bp, services
from .models import Unit


@bp.route("/")
@login_required
def home():
    from ..meetings.views import home_meetings  # the meetings domain imports this package

    return render_template("units/home.html", unit=current_user.unit, home=home_meetings())


@bp.route("/units")
@login_required
def tree():
    """The unit tree as it stood on a day (today by default), with each unit's connection
    facts. The tree is public inside the application: everyone needs it to invite units."""
    day = day_arg(request.args, "on", None) or today_local()
    units = list(db.session.scalars(sa.select(Unit).where(Unit.active_on(day)).order_by(Unit.code)))
    facts = services.connection_facts([u.id for u in units], day)
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


from . import contacts, reform_views  # noqa: E402,F401  (unit page, contacts, reform routes)
