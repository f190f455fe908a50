"""The ward coverage page and the unit admins' form for the wards' WAN / video-conference facts."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required, reach_condition, require
from ..core.errors import ValidationError
from ..core.timeutil import today_local
from ..extensions import db
from ..units.models import Unit
from ..core.replica import reads_replica
from . import bp, charts, coverage, services
from .forms import FactForm
from .periods import date_arg

HISTORY_MONTHS = 24


def coverage_request() -> tuple[Unit, date]:
    day = date_arg(request.args, "date") if request.args.get("date") else today_local()
    scope = services.resolve_scope(current_user, request.args.get("unit"), day, day)
    require("report", scope)
    return scope, day


def month_ends(day: date, count: int) -> list[date]:
    """The last day of each of the `count` months up to `day` (the last one is `day` itself)."""
    ends, current = [day], day.replace(day=1) - timedelta(days=1)
    while len(ends) < count:
        ends.append(current)
        current = current.replace(day=1) - timedelta(days=1)
    return list(reversed(ends))


def manageable_wards(scope: Unit, day: date) -> list[Unit]:
    """Wards of the scope the current user may record facts for (unit admins: their subtree)."""
    query = sa.select(Unit).where(Unit.kind == "ward", Unit.active_on(day), Unit.in_subtree(scope),
                                  reach_condition(current_user, "manage"))
    return list(db.session.scalars(query.order_by(Unit.code).limit(2000)))


@bp.route("/coverage", endpoint="coverage")
@login_required
@permission_required("report")
@reads_replica
def coverage_page():
    scope, day = coverage_request()
    figures = coverage.connectivity(current_user, scope, day)
    over_time = coverage.coverage_over_time(scope, month_ends(day, HISTORY_MONTHS))
    chart = charts.coverage_lines(
        [(f"{d:%m/%y}", c["total"], c["wan"], c["vc"]) for d, c in over_time],
        _("Tỷ lệ phường, xã kết nối theo tháng"))
    wards = manageable_wards(scope, day)
    form = None
    if wards:
        form = FactForm(effective_on=today_local())
        form.ward.choices = {str(w.id): f"{w.code} · {w.name}" for w in wards}
    history = coverage.fact_history([w.id for w in wards]) if wards else []
    return render_template("reports/coverage.html", scope=scope, day=day, figures=figures,
                           headlines=coverage.headlines(figures), chart=chart, form=form,
                           history=history,
                           choices=services.scope_choices(current_user, day, day))


@bp.route("/coverage/facts", methods=["POST"])
@login_required
@permission_required("manage")
def record_fact():
    form = FactForm()
    ward = db.session.get(Unit, int(form.ward.data)) if (form.ward.data or "").isdigit() else None
    if ward is None:
        raise ValidationError(_("Chưa chọn phường, xã."))
    form.ward.choices = {str(ward.id): ward.name}
    if not form.validate_on_submit():
        raise ValidationError(_("Dữ liệu không hợp lệ: %(errors)s", errors="; ".join(
            f"{getattr(form, k).label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items())))
    coverage.record_fact(current_user, ward, form.fact.data, form.value.data == "1",
                         form.effective_on.data, today_local())
    db.session.commit()
    flash(_("Đã ghi nhận thay đổi kết nối của %(name)s.", name=ward.name), "success")
    return redirect(url_for("reports.coverage", unit=request.args.get("unit") or None))
