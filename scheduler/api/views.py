from datetime import datetime

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import login_required

from ..auth import services as auth_services, sessions
from ..core.errors import Unauthorized, ValidationError
from ..core.timeutil import to_local, utcnow
from ..core.read_only import read_only
from ..endpoints.facts import connection_facts
from ..extensions import db
from ..units import services as unit_services
from . import bp, query, schemas
from .paging import offset_page
from .helpers import parse_date_or_datetime


@bp.post("/tokens")
@bp.arguments(schemas.Credentials)
@bp.response(201, schemas.Token, description="Token issued")
@bp.alt_response(429, schema=schemas.Error, description="Too many failed sign-ins; try again later")
def create_token(credentials):
    """Issue an API token"""
    try:
        user = auth_services.authenticate(credentials["username"], credentials["password"],
                                          request.remote_addr)
    except ValidationError:
        db.session.commit()  # the failed attempt counts toward throttling
        raise
    raw, token = auth_services.issue_token(user)
    db.session.commit()
    return jsonify({"token": raw, "token_type": "Bearer",
                    "expires_at": token.expires_at.isoformat()}), 201


@bp.delete("/tokens/current")
@bp.response(200, schemas.Revoked, description="Revoked: the token no longer opens the API")
def revoke_current_token():
    """Revoke the bearer token this request carries

    A script signing off."""
    token = sessions.bearer_token(request.headers.get("Authorization", ""), utcnow())
    if token is None:
        raise Unauthorized(_("Cần mã truy cập API hợp lệ trong tiêu đề Authorization."))
    sessions.revoke_token(token.user, token.id)
    db.session.commit()
    return jsonify({"revoked": True, "id": token.id})


def _requested_day():
    """The `on` parameter (ISO 8601): the day whose tree is read (today without it)."""
    raw = (request.args.get("on") or "").strip()
    if not raw:
        return None
    day = parse_date_or_datetime(raw, "on")
    return to_local(day).date() if isinstance(day, datetime) and day.tzinfo else day


@bp.get("/units")
@query(schemas.UnitList)
@query(schemas.Page)
@bp.response(200, schemas.UnitPage)
@read_only
@login_required
def list_units():
    """List units"""
    day = _requested_day()
    parent = None
    if request.args.get("parent"):
        parent = unit_services.get_unit(request.args["parent"], day)
    units, following = offset_page("units", lambda offset, limit: unit_services.list_units(
        kind=request.args.get("kind") or None, parent=parent, on=day,
        include_retired=request.args.get("all") == "1",
        search=(request.args.get("q") or "").strip()[:200] or None, page=(offset, limit)))
    facts = connection_facts([u.id for u in units], day)
    return jsonify({"units": unit_services.units_as_dicts(units, facts), "next": following})


@bp.get("/units/<code>")
@query(schemas.UnitDay)
@bp.response(200, schemas.Unit)
@read_only
@login_required
def get_unit(code):
    """One unit: the holder of the code on a day (codes are reused after mergers)"""
    day = _requested_day()
    unit = unit_services.get_unit(code, day)
    return jsonify(unit_services.units_as_dicts([unit], connection_facts([unit.id], day))[0])
