"""Form data for the management pages, shared by test_management and test_access_matrix."""
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.extensions import db


def room_form(unit, **overrides) -> dict:
    data = {"unit_id": unit.id, "name": "Phòng họp trực tuyến", "capacity": "40",
            "paperless": "y", "has_endpoint": "y", "open_from": "07:30", "open_until": "17:30",
            "max_duration_minutes": "240", "max_advance_days": "60"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def endpoint_form(unit, **overrides) -> dict:
    data = {"unit_id": unit.id, "name": "Điểm cầu hội trường", "host": "127.0.1.3", "port": "5060",
            "protocol": "sip", "wan_connected_on": "15/03/2018", "vc_deployed_on": "2019-06-01"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def contacts_form(**overrides) -> dict:
    data = {"email": "vanthu@hanoi.gov.vn", "phone": "024 3823 1234", "tech_name": "Nguyễn Văn Kỹ",
            "tech_phone": "0912 345 678", "tech_email": "kythuat@hanoi.gov.vn"}
    data.update(overrides)
    return data


def user_form(unit, **overrides) -> dict:
    data = {"username": "canbo_moi", "full_name": "Trần Thị Mới", "email": "moi@hanoi.gov.vn",
            "role": "staff", "unit_id": unit.id, "password": "matkhaumoi1", "confirm": "matkhaumoi1"}
    data.update(overrides)
    return data


def audit_entries(action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))
