"""Endpoint writes and history in the JSON API: the same services, rules and audit as the
management form, within the caller's subtree."""
from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import ValidationError
from ..endpoints import history
from ..endpoints import services as endpoint_services
from ..extensions import db
from ..units.models import Unit
from . import bp
from .helpers import json_body, parse_date_or_datetime

FIELDS = ("unit", "name", "host", "port", "protocol", "wan_connected_on", "vc_deployed_on")


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError(message, {"field": field, "fields": {field: message}})


def _date(body: dict, field: str, current: date | None) -> date | None:
    if field not in body:
        return current
    value = body[field]
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _field_error(field, _("Ngày phải theo dạng YYYY-MM-DD."))


def _unit(body: dict, current: Unit | None) -> Unit:
    if "unit" not in body and current is not None:
        return current
    code = body.get("unit")
    unit = Unit.by_code(code.strip()) if isinstance(code, str) and code.strip() else None
    if unit is None:
        raise _field_error("unit", _("Không tìm thấy đơn vị mã %(code)s.", code=code))
    return unit


def _values(body: dict, endpoint=None) -> tuple[Unit, dict]:
    """The unit and the service's values from a JSON body; with `endpoint`, the fields the
    body leaves out keep their current value (PATCH)."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ValidationError(_("Trường không được hỗ trợ: %(fields)s", fields=", ".join(unknown)),
                              {"fields": {name: _("Không được hỗ trợ.") for name in unknown}})
    current = {} if endpoint is None else {
        name: getattr(endpoint, name) for name in endpoint_services.ENDPOINT_FIELDS}
    values = {name: body.get(name, current.get(name)) for name in ("name", "host", "port")}
    values["protocol"] = body.get("protocol", current.get("protocol", "sip"))
    for name in ("name", "host", "protocol"):
        if values[name] is not None and not isinstance(values[name], str):
            raise _field_error(name, _("Phải là chuỗi ký tự."))
    for name in ("wan_connected_on", "vc_deployed_on"):
        values[name] = _date(body, name, current.get(name))
    return _unit(body, endpoint.unit if endpoint is not None else None), values


@bp.post("/endpoints")
@login_required
def create_endpoint():
    """Add an endpoint to a unit the caller manages."""
    unit, values = _values(json_body())
    endpoint = endpoint_services.create_endpoint(current_user, unit, values)
    db.session.commit()
    return jsonify(endpoint_services.endpoint_to_dict(endpoint)), 201


@bp.patch("/endpoints/<int:endpoint_id>")
@login_required
def update_endpoint(endpoint_id):
    """Change an endpoint (only the fields given)."""
    endpoint = endpoint_services.get_endpoint_for(current_user, endpoint_id)
    unit, values = _values(json_body(), endpoint)
    endpoint_services.update_endpoint(current_user, endpoint, unit, values)
    db.session.commit()
    return jsonify(endpoint_services.endpoint_to_dict(endpoint))


@bp.get("/endpoints/<int:endpoint_id>/history")
@login_required
def endpoint_history(endpoint_id):
    """State changes and uptime of an endpoint over [start, end] (default: the last 7 days)."""
    endpoint = endpoint_services.get_endpoint_for(current_user, endpoint_id, "view")
    bounds = [parse_date_or_datetime(request.args[name], name) if request.args.get(name) else None
              for name in ("start", "end")]
    start_at, end_at = history.period_bounds(*bounds)
    return jsonify(history.endpoint_history(current_user, endpoint, start_at, end_at))
