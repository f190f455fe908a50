"""Endpoint writes and history in the JSON API: the same services, rules and audit as the
management form, within the caller's subtree."""
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import ValidationError
from ..endpoints import history
from ..endpoints import services as endpoint_services
from ..extensions import db
from ..units.models import Unit
from . import bp, query, schemas
from .helpers import parse_date_or_datetime


def _unit(body: dict, current: Unit | None) -> Unit:
    if "unit" not in body and current is not None:
        return current
    code = body.get("unit")
    unit = Unit.by_code(code.strip()) if code and code.strip() else None
    if unit is None:
        message = _("Không tìm thấy đơn vị mã %(code)s.", code=code)
        raise ValidationError(message, {"fields": {"unit": message}})
    return unit


def _values(body: dict, endpoint=None) -> tuple[Unit, dict]:
    """The unit and the service's values from the body the schema read; with `endpoint`, the
    fields the body leaves out keep their current value (PATCH)."""
    current = {"protocol": "sip"} if endpoint is None else {
        name: getattr(endpoint, name) for name in endpoint_services.ENDPOINT_FIELDS}
    values = {name: body.get(name, current.get(name)) for name in endpoint_services.ENDPOINT_FIELDS}
    return _unit(body, endpoint.unit if endpoint is not None else None), values


@bp.post("/endpoints")
@bp.response(201, schemas.Endpoint, description="Created")
@login_required
@bp.arguments(schemas.EndpointInput)
def create_endpoint(body):
    """Add an endpoint to a unit the caller manages"""
    unit, values = _values(body)
    endpoint = endpoint_services.create_endpoint(current_user, unit, values)
    db.session.commit()
    return jsonify(endpoint_services.endpoint_to_dict(endpoint)), 201


@bp.patch("/endpoints/<int:endpoint_id>")
@bp.response(200, schemas.Endpoint)
@login_required
@bp.arguments(schemas.EndpointInput)
def update_endpoint(body, endpoint_id):
    """Change an endpoint (only the fields given)"""
    endpoint = endpoint_services.get_endpoint_for(current_user, endpoint_id)
    unit, values = _values(body, endpoint)
    endpoint_services.update_endpoint(current_user, endpoint, unit, values)
    db.session.commit()
    return jsonify(endpoint_services.endpoint_to_dict(endpoint))


@bp.get("/endpoints/<int:endpoint_id>/history")
@query(schemas.Period)
@bp.response(200, schemas.EndpointHistory)
@login_required
def endpoint_history(endpoint_id):
    """State changes and uptime of an endpoint

    Over [start, end], by default the last 7 days."""
    endpoint = endpoint_services.get_endpoint_for(current_user, endpoint_id, "view")
    bounds = [parse_date_or_datetime(request.args[name], name) if request.args.get(name) else None
              for name in ("start", "end")]
    start_at, end_at = history.period_bounds(*bounds)
    return jsonify(history.endpoint_history(current_user, endpoint, start_at, end_at))
