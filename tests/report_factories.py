"""Meetings for the report tests, created straight through the models (the booking service is
not needed to count them): one Occurrence per sitting, as the booking service stores them."""
import itertools
from datetime import datetime, timedelta

from scheduler.extensions import db
from scheduler.meetings.models import Meeting, Occurrence

_uids = itertools.count(1)


def create_meeting(host, start: datetime, *, category="trien_khai", mode="online",
                   status="held", held_mode=None, minutes=60, extra_starts=(),
                   occurrence_statuses=None, title=None) -> Meeting:
    """A meeting hosted by `host` starting at `start` (aware). `extra_starts` adds further
    occurrences of a series; `occurrence_statuses` gives each occurrence its own status."""
    end = start + timedelta(minutes=minutes)
    meeting = Meeting(title=title or f"Cuộc họp {category}", category=category, host_unit=host,
                      start_at=start, end_at=end, mode=mode, status=status,
                      uid=f"report-test-{next(_uids)}@lichhop")
    starts = [start, *extra_starts]
    statuses = occurrence_statuses or [status] * len(starts)
    for when, occ_status in zip(starts, statuses):
        meeting.occurrences.append(Occurrence(
            start_at=when, end_at=when + timedelta(minutes=minutes), original_start=when,
            status=occ_status, held_mode=held_mode))
    db.session.add(meeting)
    db.session.flush()
    return meeting
