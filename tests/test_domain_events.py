"""Domain events (core/signals.py): a package announces what happened through the signals its
events.py declares, and the packages above subscribe in their init_app, once per process however
many applications the process builds."""
import sqlalchemy as sa

from scheduler import create_app
from scheduler.audit.models import AuditEntry
from scheduler.calendar.invitations import queue_invitations
from scheduler.extensions import db
from scheduler.jobs.tasks import withdraw_stale_reminders
from scheduler.meetings.events import MEETING_CHANGES
from scheduler.notifications.meeting_notices import notify_meeting_change
from scheduler.paperless.events import agenda_changed
from scheduler.reports.models import OccurrenceTally
from scheduler.units.events import paths_moved
from tests.conftest import count, make_config


def _subscribers():
    return {change: list(event.receivers_for(object())) for change, event in MEETING_CHANGES.items()}


def test_every_meeting_event_reaches_each_packages_subscriber_once_in_order(app, database_url):
    heard = _subscribers()
    for change, receivers in heard.items():
        assert receivers == [notify_meeting_change, queue_invitations, withdraw_stale_reminders], change
    create_app(make_config(database_url))  # another app of the same process connects nothing more
    assert _subscribers() == heard


def test_the_paperless_subscribers_hear_an_agenda_change(paperless):
    meeting, host = paperless.meeting, paperless.users["host"]
    version = meeting.version
    agenda_changed.send(meeting, actor=host, before=["Khai mạc"], items=[])
    db.session.commit()
    assert meeting.version == version + 1
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "meeting.agenda", AuditEntry.object_id == str(meeting.id))).one()
    assert entry.user_id == host.id and entry.changes == {"agenda_items": [["Khai mạc"], []]}


def test_the_reports_recount_when_the_units_paths_move(paperless):
    db.session.execute(sa.delete(OccurrenceTally))
    assert count(OccurrenceTally) == 0
    paths_moved.send(paperless.meeting.host_unit)
    db.session.commit()
    assert count(OccurrenceTally) > 0  # the booked meeting is counted again, up the tree
