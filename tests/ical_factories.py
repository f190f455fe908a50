"""Meetings built straight from the models, for calendar tests that need a precise state
(hostile text, a stored series) without going through the booking rules."""
import uuid
from datetime import datetime, timedelta

from dateutil.rrule import rrulestr

from scheduler.core.timeutil import LOCAL_TZ, UTC
from scheduler.extensions import db
from scheduler.meetings.models import Meeting, Occurrence


def make_meeting(host, start: datetime, minutes: int = 60, *, title="Họp giao ban",
                 participants=(), rooms=(), rrule=None, count=None, status="scheduled",
                 **fields) -> Meeting:
    """A meeting with its occurrences: one, or one per RRULE instance (`count` of them)."""
    start = start.astimezone(UTC)
    duration = timedelta(minutes=minutes)
    fields.setdefault("category", "giao_ban")
    fields.setdefault("mode", "in_person")
    meeting = Meeting(title=title, host_unit=host, start_at=start, end_at=start + duration,
                      status=status, rrule=rrule, uid=f"{uuid.uuid4()}@lichhop", sequence=0,
                      **fields)
    meeting.participants = list(participants)
    meeting.rooms = list(rooms)
    starts = [start]
    if rrule:
        local_start = start.astimezone(LOCAL_TZ)
        rule = rrulestr(rrule, dtstart=local_start)
        starts = [d.astimezone(UTC) for d in (list(rule[:count]) if count else list(rule))]
    for value in starts:
        meeting.occurrences.append(Occurrence(start_at=value, end_at=value + duration,
                                              original_start=value, status=status))
    db.session.add(meeting)
    db.session.flush()
    return meeting
