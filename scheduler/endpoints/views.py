"""Endpoint management pages, scoped to the units the signed-in user manages (units/management.py
is the pattern they share with rooms and users); an endpoint's own page with its uptime."""
from datetime import timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required
from ..core.timeutil import to_local
from ..core.form_messages import select_choices
from ..units.management import ManagedPages, filter_unit, listing
from ..core.labels import choices
from ..core.requests import day_arg
from ..units import services as unit_services
from ..core import charts
from . import bp, history, services
from .forms import EndpointForm


@bp.route("/endpoints")
@permission_required("manage")
def index():
    unit = filter_unit()
    state = request.args.get("state") or None
    page = listing(services.endpoints_query(current_user, unit=unit, state=state, permission="manage",
                                            include_inactive=True, search=request.args.get("q")))
    return render_template("endpoints/index.html", page=page, unit=unit,
                           state=state, units=unit_services.units_in_reach(current_user, "manage"),
                           states=choices("endpoint_state"))


def _form(endpoint=None) -> EndpointForm:
    form = EndpointForm(obj=endpoint)
    form.unit_id.choices = select_choices(unit_services.unit_choices(current_user))
    if endpoint is None and request.method == "GET" and request.args.get("unit"):
        form.unit_id.data = unit_services.get_unit(request.args["unit"]).id
    return form


ManagedPages(
    bp, "/endpoints", name="endpoint", form=_form, template="endpoints/form.html",
    back="endpoints.index", get=services.get_endpoint_for,
    create=lambda form, unit: services.create_endpoint(current_user, unit, form.values()),
    update=lambda endpoint, form, unit: services.update_endpoint(current_user, endpoint, unit,
                                                                 form.values()),
    set_active=services.set_endpoint_active,
    texts={"created": lambda endpoint: _("Đã thêm điểm cầu %(name)s.", name=endpoint.name),
           "saved": lambda endpoint: _("Đã lưu điểm cầu %(name)s.", name=endpoint.name),
           "resumed": lambda endpoint: _("Đã kích hoạt lại điểm cầu %(name)s.", name=endpoint.name),
           "stopped": lambda endpoint: _("Đã ngừng sử dụng điểm cầu %(name)s.", name=endpoint.name)})


def _period_args():
    """(start, end) local dates from ?start=&end= (either may be absent)."""
    return tuple(day_arg(request.args, name, None) for name in ("start", "end"))


@bp.route("/endpoints/<int:endpoint_id>")
@login_required
def detail(endpoint_id):
    """One endpoint: its facts, uptime over the chosen period, state and latency chart and the
    state changes the probes saw."""
    endpoint = services.get_endpoint_for(current_user, endpoint_id, "view")
    start_at, end_at = history.period_bounds(*_period_args())
    buckets = history.timeline(endpoint.id, start_at, end_at)
    first, last = to_local(start_at), to_local(end_at - timedelta(seconds=1))
    span = last - first
    labels = [f"{first + span * i / 4:%d/%m %H:%M}" for i in range(5)]
    chart = charts.endpoint_timeline(buckets, _("Trạng thái và độ trễ của %(name)s",
                                                name=endpoint.name), labels)
    changes = history.state_changes(endpoint.id, start_at, end_at)
    return render_template(
        "endpoints/detail.html", endpoint=endpoint, chart=chart,
        uptime=history.uptime(endpoint.id, start_at, end_at), changes=list(reversed(changes)),
        start=first.date(), end=last.date(), demo=history.has_demo_history(endpoint.id),
        can_manage=endpoint.unit.can_manage(current_user))
