"""Managing video-conference endpoints: lists within reach, create, change, deactivate.

Writes are authorised against the endpoint's unit (and the target unit when it moves) and
audited with the changed fields; callers commit.
"""
import ipaddress
import re

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from flask_babel import gettext as _

from ..audit.services import diff, record, snapshot
from ..core.access import get_or_404, require
from ..core.errors import ValidationError
from ..core.textsearch import contains
from ..core.timeutil import to_local
from ..extensions import db
from ..units.models import Unit
from ..units import services as unit_services  # module import: units imports this package too
from .models import PROTOCOLS, STATES, Endpoint
from .probing import validate_host

ENDPOINT_FIELDS = ("name", "host", "port", "protocol", "wan_connected_on", "vc_deployed_on")
# a DNS name, an IPv4 address or a bracket-less IPv6 address; no spaces, no scheme
HOST_PATTERN = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-:]*[A-Za-z0-9])?$")


def check_state(state: str | None) -> str | None:
    if state and state not in STATES:
        raise ValidationError(_("Trạng thái điểm cầu không hợp lệ: %(state)s.", state=state),
                              {"field": "state", "allowed": list(STATES)})
    return state or None


def endpoints_query(user, *, unit: Unit | None = None, subtree: bool = True,
                    state: str | None = None, permission: str = "view",
                    include_inactive: bool = False, search: str | None = None):
    """A select of the endpoints of the units where `user` holds `permission`, each with its
    unit, optionally narrowed to `unit` (with `subtree`, its descendants too), to a live state
    and to words of the endpoint's name (case and Vietnamese marks ignored)."""
    state = check_state(state)
    query = (sa.select(Endpoint).join(Endpoint.unit).options(contains_eager(Endpoint.unit))
             .where(Unit.in_reach(user, permission)))
    if unit is not None:
        require(permission, unit, user=user)
        query = query.where(Unit.in_subtree(unit) if subtree else Endpoint.unit_id == unit.id)
    if state:
        query = query.where(Endpoint.state == state)
    if not include_inactive:
        query = query.where(Endpoint.active.is_(True))
    if search:
        query = query.where(contains(Endpoint.name, search))
    return query.order_by(Endpoint.active.desc(), Unit.code, Endpoint.name, Endpoint.id)


def list_endpoints(user, *, page: tuple[int, int] | None = None, **filters) -> list[Endpoint]:
    """The endpoints of endpoints_query; `page` = (offset, limit) reads a part."""
    query = endpoints_query(user, **filters)
    if page is not None:  # (offset, limit)
        query = query.offset(page[0]).limit(page[1])
    return list(db.session.scalars(query))


def get_endpoint_for(actor, endpoint_id: int, permission: str = "manage") -> Endpoint:
    """The endpoint, when `actor` holds `permission` over its unit: another unit's endpoint is
    a 403, an unknown id a 404."""
    return get_or_404(Endpoint, endpoint_id, _("Không tìm thấy điểm cầu."), actor, permission)


def _invalid(field: str, message: str) -> ValidationError:
    # "field" puts it next to the form's field, "fields" is what the API's 422 carries
    return ValidationError(message, {"field": field, "fields": {field: message}})


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _clean(values: dict) -> dict:
    name = (values.get("name") or "").strip()
    if not name:
        raise _invalid("name", _("Cần nhập tên điểm cầu."))
    if len(name) > 200:
        raise _invalid("name", _("Tên điểm cầu dài tối đa 200 ký tự."))
    host = (values.get("host") or "").strip() or None
    if host is not None and (len(host) > 255 or not (HOST_PATTERN.match(host) or _is_ip(host))):
        raise _invalid("host", _("Địa chỉ không hợp lệ: chỉ gồm tên miền hoặc địa chỉ IP, không có dấu cách."))
    validate_host(host)
    port = values.get("port")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535):
        raise _invalid("port", _("Cổng phải là số nguyên từ 1 đến 65535."))
    protocol = values.get("protocol")
    if protocol not in PROTOCOLS:
        raise _invalid("protocol", _("Giao thức không hợp lệ (SIP, H.323 hoặc WebRTC)."))
    return {"name": name, "host": host, "port": port, "protocol": protocol,
            "wan_connected_on": values.get("wan_connected_on"),
            "vc_deployed_on": values.get("vc_deployed_on")}


def clean_values(values: dict) -> dict:
    """The endpoint fields checked and normalised as the form's service does (ValidationError
    naming the field otherwise)."""
    return _clean(values)


def _dated(units: list[Unit], change) -> None:
    """Run `change()` so that the wards' coverage on past days stays as it was (a removed
    date ends the fact today rather than erasing its past; see endpoints/facts.py)."""
    from ..core.timeutil import today_local
    from .facts import endpoint_change

    if not units:
        change()
        return
    endpoint_change(units[0], today_local(), lambda: _dated(units[1:], change))


def create_endpoint(actor, unit: Unit, values: dict) -> Endpoint:
    require("manage", unit, user=actor)
    cleaned = _clean(values)
    endpoint = Endpoint(unit=unit, state="unknown", **cleaned)
    _dated([unit], lambda: db.session.add(endpoint))
    db.session.flush()
    record(actor, "endpoint.create", "endpoint", endpoint.id, unit=unit, summary=endpoint.name,
           changes={**cleaned, "unit": unit.code})
    return endpoint


def update_endpoint(actor, endpoint: Endpoint, unit: Unit, values: dict) -> Endpoint:
    require("manage", endpoint.unit, user=actor)
    require("manage", unit, user=actor)
    cleaned = _clean(values)
    before = {**snapshot(endpoint, ENDPOINT_FIELDS), "unit": endpoint.unit.code}
    if (cleaned["host"], cleaned["port"], cleaned["protocol"]) != (
            endpoint.host, endpoint.port, endpoint.protocol):
        # a new address has not been probed yet: the old state would mislead
        endpoint.state, endpoint.last_checked, endpoint.latency_ms = "unknown", None, None
        # nor does the old address's outage: no recovery notice for a device never probed
        endpoint.failed_probes, endpoint.down_since = 0, None
    def change():
        for field, value in cleaned.items():
            setattr(endpoint, field, value)
        endpoint.unit = unit

    _dated(list({u.id: u for u in (endpoint.unit, unit)}.values()), change)
    db.session.flush()
    changes = diff(before, {**snapshot(endpoint, ENDPOINT_FIELDS), "unit": unit.code})
    if changes:
        record(actor, "endpoint.update", "endpoint", endpoint.id, unit=unit, summary=endpoint.name,
               changes=changes)
    return endpoint


def set_endpoint_active(actor, endpoint: Endpoint, active: bool) -> Endpoint:
    require("manage", endpoint.unit, user=actor)
    if endpoint.active != active:
        from ..core.timeutil import today_local
        from .facts import endpoint_change

        # the ward's coverage on past days must not change with it
        endpoint_change(endpoint.unit, today_local(), lambda: setattr(endpoint, "active", active))
        record(actor, "endpoint.reactivate" if active else "endpoint.deactivate", "endpoint",
               endpoint.id, unit=endpoint.unit, summary=endpoint.name,
               changes={"active": [not active, active]})
    return endpoint


def endpoint_to_dict(endpoint: Endpoint) -> dict:
    return {
        "id": endpoint.id,
        "unit": endpoint.unit.code,
        "name": endpoint.name,
        "host": endpoint.host,
        "port": endpoint.port,
        "protocol": endpoint.protocol,
        "wan_connected": endpoint.wan_connected,
        "wan_connected_on": endpoint.wan_connected_on.isoformat() if endpoint.wan_connected_on else None,
        "vc_deployed": endpoint.vc_deployed,
        "vc_deployed_on": endpoint.vc_deployed_on.isoformat() if endpoint.vc_deployed_on else None,
        "state": endpoint.state,
        "last_checked": to_local(endpoint.last_checked).isoformat() if endpoint.last_checked else None,
    }


def unreachable_unit_ids(unit_ids) -> set[int]:
    """Units among `unit_ids` with an active endpoint whose endpoints all failed their last
    probe (a unit never probed yet is not counted as down)."""
    ids = list(dict.fromkeys(unit_ids))
    if not ids:
        return set()
    reachable = sa.func.max(sa.case((Endpoint.state == "reachable", 1), else_=0))
    unreachable = sa.func.max(sa.case((Endpoint.state == "unreachable", 1), else_=0))
    return set(db.session.scalars(
        sa.select(Endpoint.unit_id).where(Endpoint.unit_id.in_(ids), Endpoint.active.is_(True))
        .group_by(Endpoint.unit_id).having(reachable == 0, unreachable == 1)))


def unreachable_before_start(meeting, now, lead_minutes: int) -> list[Unit]:
    """The meeting's units (host first) whose endpoint is unreachable, when it is an online
    meeting with a sitting starting within the connection-test lead time; else []."""
    from datetime import timedelta

    if meeting.status != "scheduled" or not meeting.is_online:
        return []
    if not any(o.status == "scheduled" and now < o.start_at <= now + timedelta(minutes=lead_minutes)
               for o in meeting.occurrences):
        return []
    units = [meeting.host_unit] + [u for u in meeting.participants if u.id != meeting.host_unit_id]
    down = unreachable_unit_ids(u.id for u in units)
    return [u for u in units if u.id in down]
