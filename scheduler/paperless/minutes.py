"""The minutes (biên bản, fields of Decision 45/2018/QĐ-TTg) and the conclusion notice (thông
báo kết luận), due within CONCLUSION_DUE_WORKING_DAYS (5) working days after the meeting:
weekends, Vietnamese public holidays and the year's swapped days (core/workdays.py) skipped.

A series is described by its first sitting: the date the conclusion is due from is the local
day the meeting's first sitting ends."""
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.services import diff, record, snapshot
from ..core.settings import settings
from ..core.timeutil import to_local
from ..core.upsert import insert_missing, locked_row
from ..core.workdays import add_working_days
from ..extensions import db
from ..meetings.inputs import text_field
from ..meetings.inputs import invalid
from ..meetings.models import Meeting
from . import attendance, votes
from .access import require_host
from .models import Minutes

TEXT_FIELDS = {"place": 300, "secretary": 200, "discussion": 50_000, "opinions": 50_000,
               "conclusions": 50_000}


def due_working_days() -> int:
    return settings().conclusion_due_working_days


def conclusion_due(meeting) -> date:
    return add_working_days(to_local(meeting.end_at).date(), due_working_days())


def minutes_of(meeting) -> Minutes | None:
    return db.session.get(Minutes, meeting.id)


def is_overdue(meeting, minutes: Minutes | None, today: date) -> bool:
    issued = minutes is not None and minutes.conclusion_issued_at is not None
    return meeting.status != "cancelled" and not issued and today > conclusion_due(meeting)


def save_minutes(actor, meeting, data: dict, now: datetime) -> Minutes:
    require_host(actor, meeting)
    errors: dict[str, str] = {}
    values = {name: text_field(errors, data, name, limit) for name, limit in TEXT_FIELDS.items()
              if name in data}
    issued = data.get("conclusion_issued")
    if issued is not None and not isinstance(issued, bool):
        errors["conclusion_issued"] = _("Giá trị phải là true hoặc false.")
    if errors:
        raise invalid(errors)
    # created on first save in one statement, then locked: simultaneous saves neither fail on
    # the key nor interleave (core/upsert.py)
    insert_missing(Minutes, {"meeting_id": meeting.id, "place": "", "secretary": "",
                             "discussion": "", "opinions": "", "conclusions": "",
                             "updated_by_id": actor.id}, ["meeting_id"])
    minutes = locked_row(Minutes, meeting_id=meeting.id)
    fields = (*TEXT_FIELDS, "conclusion_issued_at")
    before = snapshot(minutes, fields)
    for name, value in values.items():
        setattr(minutes, name, value)
    if issued is True and minutes.conclusion_issued_at is None:
        if not (values.get("conclusions") or minutes.conclusions):
            raise invalid({"conclusions": _("Chưa có nội dung kết luận để ban hành thông báo.")})
        minutes.conclusion_issued_at = now
    elif issued is False:
        minutes.conclusion_issued_at = None
    minutes.updated_by_id = actor.id
    db.session.flush()
    record(actor, "meeting.minutes", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Cập nhật biên bản, thông báo kết luận"),
           changes=diff(before, snapshot(minutes, fields)))
    return minutes


def minutes_dict(meeting, viewer, today: date) -> dict:
    minutes = minutes_of(meeting)
    rows = attendance.attendance_rows(meeting)
    present = [r for r in rows if r["status"] in ("present_in_person", "present_online")]
    return {
        "meeting": meeting.id, "title": meeting.title,
        "start": to_local(meeting.start_at).isoformat(), "end": to_local(meeting.end_at).isoformat(),
        "place": (minutes.place if minutes and minutes.place else meeting.location),
        "chair": meeting.chair, "secretary": minutes.secretary if minutes else "",
        "attendees": [{"unit": r["unit"], "unit_name": r["unit_name"], "status": r["status"],
                       "person": r["person"], "substitute": r["substitute"]} for r in present],
        "absent": [{"unit": r["unit"], "unit_name": r["unit_name"], "reason": r["reason"]}
                   for r in rows if r["status"] == "absent"],
        "discussion": minutes.discussion if minutes else "",
        "opinions": minutes.opinions if minutes else "",
        "votes": [votes.vote_dict(v, viewer) for v in votes.votes_of(meeting)],
        "conclusions": minutes.conclusions if minutes else "",
        "conclusion_due": conclusion_due(meeting).isoformat(),
        "conclusion_issued_at": (to_local(minutes.conclusion_issued_at).isoformat()
                                 if minutes and minutes.conclusion_issued_at else None),
        "overdue": is_overdue(meeting, minutes, today),
    }


def overdue_meetings(now: datetime, today: date, scope_unit_ids=None,
                     lookback_days: int | None = None) -> list[tuple[Meeting, date]]:
    """Paperless meetings whose conclusion notice is past due and not issued, oldest first,
    with their due date. The SQL keeps the meetings that ended at least the due span ago
    (a working day is at least a day) and lack an issued notice; the calendar does the rest."""
    ended_before = now - timedelta(days=due_working_days())
    query = (sa.select(Meeting).outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
             .where(Meeting.paperless.is_(True), Meeting.status != "cancelled",
                    Meeting.end_at < ended_before, Minutes.conclusion_issued_at.is_(None))
             .order_by(Meeting.end_at, Meeting.id))
    if lookback_days is not None:
        query = query.where(Meeting.end_at >= now - timedelta(days=lookback_days + 30))
    if scope_unit_ids is not None:
        query = query.where(Meeting.host_unit_id.in_(scope_unit_ids))
    found = []
    for meeting in db.session.scalars(query):
        due = conclusion_due(meeting)
        if today > due and (lookback_days is None or (today - due).days <= lookback_days):
            found.append((meeting, due))
    return found

