"""The ward coverage page and the unit admins' form for the wards' WAN / video-conference facts."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required, require
from ..core.errors import ValidationError
from ..core.requests import day_arg
from ..core.timeutil import today_local
from ..endpoints.history import period_bounds, uptime_by_child
from ..core.types import parse_id
from ..extensions import db
from ..units.models import Unit
from ..core.replica import reads_replica
from ..core import charts
from . import bp, coverage, services
from .forms import FactForm

HISTORY_SINCE = date(2018, 1, 1)  # the city's plans count wards connected since 2018
MONITORING_DAYS = 30  # default period of the "reachable over the period" column


def coverage_request() -> tuple[Unit, date]:
    day = day_arg(request.args, "date", None) or today_local()
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


def months_since(first: date, day: date) -> int:
    """How many month ends month_ends() needs to reach back to the month of `first`."""
    return max((day.year - first.year) * 12 + day.month - first.month + 1, 1)


def monitoring_period(day: date) -> tuple[date, date]:
    """The period of the reachability column: ?since= (default MONITORING_DAYS before the
    report's day) to the report's day."""
    try:
        since = (day_arg(request.args, "since", None)
                 or day - timedelta(days=MONITORING_DAYS - 1))
    except OverflowError:
        since = day
    if since > day:
        raise ValidationError(_("Ngày bắt đầu kỳ giám sát phải trước ngày xem báo cáo."),
                              {"fields": {"since": _("Phải trước ngày xem.")}})
    return since, day


def manageable_wards(scope: Unit, day: date) -> list[Unit]:
    """Wards of the scope the current user may record facts for (unit admins: their subtree)."""
    query = sa.select(Unit).where(Unit.kind == "ward", Unit.active_on(day), Unit.in_subtree(scope),
                                  Unit.in_reach(current_user, "manage"))
    return list(db.session.scalars(query.order_by(Unit.code).limit(2000)))


@bp.route("/coverage", endpoint="coverage")
@login_required
@permission_required("report")
@reads_replica
def coverage_page():
    scope, day = coverage_request()
    figures = coverage.connectivity(current_user, scope, day)
    since, _until = monitoring_period(day)
    children = dict(db.session.execute(sa.select(Unit.id, Unit.code).where(
        Unit.parent_id == scope.id, Unit.active_on(day))).all())
    shares = uptime_by_child(scope, list(children), *period_bounds(since, day))
    uptimes = {children.get(key, key): share for key, share in shares.items()}
    over_time = coverage.coverage_over_time(scope, month_ends(day, months_since(HISTORY_SINCE, day)))
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
                           history=history, since=since, uptimes=uptimes,
                           choices=services.scope_choices(current_user, day, day))


@bp.route("/coverage/facts", methods=["POST"])
@login_required
@permission_required("manage")
def record_fact():
    form = FactForm()
    ward = db.session.get(Unit, parse_id(form.ward.data)) if parse_id(form.ward.data) else None
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
