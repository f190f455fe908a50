"""Changing an existing meeting one change at a time.

`changing(meeting)` locks the meeting's row (SQLite: the write transaction; PostgreSQL:
SELECT … FOR UPDATE) and reads it afresh, so that of two changes sent at once the second one is
decided on what the first one left: a second cancel finds the meeting cancelled, an approve
finds it declined, a PATCH rebuilds from the sittings the other PATCH wrote. It also checks the
version the client last saw (If-Match, the edit form's hidden field): a stale one gets a 412."""
from contextlib import contextmanager

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.db_setup import row_locked
from ..core.errors import Conflict, PreconditionFailed
from ..extensions import db
from .models import Meeting, Occurrence


@contextmanager
def changing(meeting: Meeting, expected_version: int | None = None):
    with row_locked(Meeting, meeting.id):
        if expected_version is not None and meeting.version != expected_version:
            raise PreconditionFailed(
                _("Cuộc họp vừa được người khác thay đổi. Hãy tải lại trang để xem nội dung "
                  "mới nhất trước khi sửa."),
                {"current_version": meeting.version, "expected_version": expected_version})
        yield meeting


def raise_version(meeting: Meeting) -> None:
    """A change clients see that is made outside `changing` (the job closing a meeting, its
    documents, its attendance): a new version, the API's ETag. Counted by the database
    (version + 1), so that two such changes committed at once — two units' attendance — still
    give two versions; the row's updated_at moves with it, and with it the calendar feeds'
    ETags. Flushed at once: until then the attribute would hold the expression, not a number."""
    meeting.version = Meeting.version + 1
    db.session.flush()


def sitting_of(meeting: Meeting, occurrence_id: int) -> Occurrence:
    """The sitting as it is now (inside `changing`): a change of the whole meeting that ran
    meanwhile may have replaced it."""
    occurrence = db.session.scalar(sa.select(Occurrence).where(
        Occurrence.id == occurrence_id, Occurrence.meeting_id == meeting.id))
    if occurrence is None:
        raise Conflict(_("Buổi họp này không còn trong lịch: cuộc họp vừa được thay đổi. "
                         "Hãy tải lại trang."))
    return occurrence
