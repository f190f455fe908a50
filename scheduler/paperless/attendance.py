"""Attendance per invited unit (the host included): present in person, present online, absent
with a reason, or not checked in; the person attending and a substitute attending in someone's
place (người dự thay)."""
import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.errors import Forbidden, NotFound
from ..core.timeutil import to_local
from ..core.upsert import insert_missing, locked_row
from ..extensions import db
from ..notifications.notices import meeting_units
from ..meetings.inputs import text_field
from ..meetings.inputs import invalid
from .access import require_open_meeting
from .events import attendance_recorded
from .models import ATTENDANCE_STATUSES, Attendance

FIELDS = ("status", "person", "substitute", "reason")
PERSON_MAX, REASON_MAX = 200, 500


def records_of(meeting) -> dict[int, Attendance]:
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting.id))
    return {row.unit_id: row for row in rows}


def attendance_rows(meeting) -> list[dict]:
    """One row per invited unit, host first, in the order of the invitation."""
    found = records_of(meeting)
    rows = []
    for unit in meeting_units(meeting):
        record_ = found.get(unit.id)
        rows.append({
            "unit": unit.code, "unit_name": unit.name, "host": unit.id == meeting.host_unit_id,
            "status": record_.status if record_ else "not_checked_in",
            "person": record_.person if record_ else "",
            "substitute": record_.substitute if record_ else "",
            "reason": record_.reason if record_ else "",
            "updated_at": to_local(record_.updated_at).isoformat() if record_ else None,
        })
    return rows


def summary(rows: list[dict]) -> dict:
    counts = {status: 0 for status in ATTENDANCE_STATUSES}
    for row in rows:
        counts[row["status"]] += 1
    counts["substitutes"] = sum(1 for row in rows if row["substitute"])
    counts["invited"] = len(rows)
    return counts


def _invited_unit(meeting, unit_code: str):
    for unit in meeting_units(meeting):
        if unit.code == unit_code:
            return unit
    raise NotFound(_("Đơn vị %(code)s không được mời dự cuộc họp này.", code=unit_code[:20]))


def _parse(data: dict) -> dict:
    errors: dict[str, str] = {}
    status = data.get("status")
    if status not in ATTENDANCE_STATUSES:
        errors["status"] = _("Trạng thái phải là một trong: %(values)s.",
                             values=", ".join(ATTENDANCE_STATUSES))
    values = {"status": status,
              "person": text_field(errors, data, "person", PERSON_MAX),
              "substitute": text_field(errors, data, "substitute", PERSON_MAX),
              "reason": text_field(errors, data, "reason", REASON_MAX)}
    if status == "absent" and not values["reason"] and "reason" not in errors:
        errors["reason"] = _("Vắng mặt phải có lý do.")
    if errors:
        raise invalid(errors)
    if status != "absent":
        values["reason"] = ""
    return values


def set_attendance(actor, meeting, unit_code: str, data: dict) -> Attendance:
    """The host's staff record every unit; an invited unit's own staff record theirs."""
    if not meeting.can_view(actor):  # a stranger learns nothing of who is invited
        raise Forbidden(_("Chỉ đơn vị chủ trì hoặc chính đơn vị được mời được ghi nhận điểm danh."))
    unit = _invited_unit(meeting, unit_code)
    if not (meeting.can_change(actor) or unit.can_book(actor)):
        raise Forbidden(_("Chỉ đơn vị chủ trì hoặc chính đơn vị được mời được ghi nhận điểm danh."))
    require_open_meeting(meeting)
    values = _parse(data)
    # created on first use in one statement, then locked: two first records of a unit at once
    # neither fail on the unique constraint nor interleave (core/upsert.py)
    created = insert_missing(Attendance, {
        "meeting_id": meeting.id, "unit_id": unit.id, "status": "not_checked_in",
        "person": "", "substitute": "", "reason": "", "updated_by_id": actor.id},
        ["meeting_id", "unit_id"])
    row = locked_row(Attendance, meeting_id=meeting.id, unit_id=unit.id)
    before = {} if created else {field: getattr(row, field) for field in FIELDS}
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_by_id = actor.id
    db.session.flush()
    attendance_recorded.send(meeting, actor=actor, unit=unit, before=before, after=values)
    return row
