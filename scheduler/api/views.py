from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import login_required

from ..auth import services as auth_services
from ..core.errors import ValidationError
from ..extensions import db
from ..units import services as unit_services
from . import bp
from .paging import offset_page
from .helpers import json_body


@bp.post("/tokens")
def create_token():
    data = json_body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        message = _("Cần có username và password.")
        raise ValidationError(message, {"fields": {"username": message, "password": message}})
    try:
        user = auth_services.authenticate(username, password, request.remote_addr)
    except ValidationError:
        db.session.commit()  # the failed attempt counts toward throttling
        raise
    raw, token = auth_services.issue_token(user)
    db.session.commit()
    return jsonify({"token": raw, "token_type": "Bearer",
                    "expires_at": token.expires_at.isoformat()}), 201


@bp.get("/units")
@login_required
def list_units():
    parent = None
    if request.args.get("parent"):
        parent = unit_services.get_unit(request.args["parent"])
    units, following = offset_page("units", lambda offset, limit: unit_services.list_units(
        kind=request.args.get("kind") or None, parent=parent,
        include_retired=request.args.get("all") == "1", page=(offset, limit)))
    return jsonify({"units": unit_services.units_as_dicts(units), "next": following})


@bp.get("/units/<code>")
@login_required
def get_unit(code):
    unit = unit_services.get_unit(code)
    return jsonify(unit_services.units_as_dicts([unit])[0])
