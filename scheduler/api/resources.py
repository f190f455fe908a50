"""Read-only API of rooms and endpoints, limited to the units the caller may view."""
from flask import jsonify, request
from flask_login import current_user, login_required

from ..core.read_only import read_only
from ..endpoints import services as endpoint_services
from ..rooms import services as room_services
from ..units import services as unit_services
from . import bp, query, schemas
from .paging import offset_page


def _unit_argument():
    """The unit named by ?unit= (unknown: 404; outside the caller's reach: 403, checked by the
    list services), or None. `subtree=1` widens the list to the units below it."""
    code = (request.args.get("unit") or "").strip()
    return unit_services.get_unit(code) if code else None


@bp.get("/rooms")
@query(schemas.RoomList)
@bp.response(200, schemas.RoomPage)
@read_only
@login_required
def list_rooms():
    """List rooms"""
    unit = _unit_argument()
    rooms, following = offset_page("rooms", lambda offset, limit: room_services.list_rooms(
        current_user, unit=unit, subtree=request.args.get("subtree") == "1", page=(offset, limit)))
    return jsonify({"rooms": [room_services.room_to_dict(r) for r in rooms], "next": following})


@bp.get("/endpoints")
@query(schemas.EndpointList)
@bp.response(200, schemas.EndpointPage)
@read_only
@login_required
def list_endpoints():
    """List endpoints"""
    unit = _unit_argument()
    endpoints, following = offset_page("endpoints", lambda offset, limit: endpoint_services.list_endpoints(
        current_user, unit=unit, subtree=request.args.get("subtree") == "1",
        state=request.args.get("state") or None, page=(offset, limit)))
    return jsonify({"endpoints": [endpoint_services.endpoint_to_dict(e) for e in endpoints],
                    "next": following})
