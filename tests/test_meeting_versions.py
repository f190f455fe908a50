"""Every change a client can see gives the meeting a new version: the ETag of
GET /api/v1/meetings/<id> moves, and so does the ETag of the calendar feeds that show it, so
that a client revalidating with If-None-Match gets the new content, never a 304 for it."""
import io
from datetime import timedelta

import pytest

from scheduler.calendar import feeds
from scheduler.extensions import db
from scheduler.jobs.tasks import close_meetings
from scheduler.meetings.models import Meeting
from scheduler.units.importer import import_units
from tests.booking_helpers import at
from tests.paperless_helpers import PDF_BYTES


@pytest.fixture
def etags(paperless, client, tree):
    """etags(meeting_id) -> (the API's ETag of the meeting, the ETag of its host's unit feed)."""
    token = feeds.change_feed_token(tree.users.ward_admin, "unit", tree.phuc_xa, "regenerate")
    db.session.commit()
    feed_url = f"/calendar/unit/{token}.ics"

    def read(meeting_id: int) -> tuple[str, str]:
        api = paperless.api("GET", f"/meetings/{meeting_id}", "host")
        feed = client.get(feed_url)
        assert api.status_code == 200 and feed.status_code == 200
        return api.headers["ETag"], feed.headers["ETag"]

    read.feed_url = feed_url
    return read


def assert_moved(before: tuple[str, str], after: tuple[str, str]) -> None:
    assert after[0] != before[0], "the meeting's ETag did not move"
    assert after[1] != before[1], "the unit feed's ETag did not move"


def test_closing_a_meeting_whose_end_passed_gives_it_a_new_version(paperless, etags, client):
    before = etags(paperless.id)
    close_meetings(paperless.meeting.end_at + timedelta(minutes=1))
    assert db.session.get(Meeting, paperless.id).status == "held"
    after = etags(paperless.id)
    assert_moved(before, after)
    assert paperless.api("GET", f"/meetings/{paperless.id}", "host").get_json()["status"] == "held"
    assert client.get(etags.feed_url, headers={"If-None-Match": before[1]}).status_code == 200
    # run again: nothing changes, the same tags answer 304
    close_meetings(paperless.meeting.end_at + timedelta(hours=2))
    assert etags(paperless.id) == after


def test_correcting_how_a_closed_meeting_was_held_gives_a_new_version(paperless, etags, tree,
                                                                      create_meeting):
    past = create_meeting(tree.phuc_xa, at(-3, 8), participants=[tree.truc_bach])
    db.session.commit()
    before = etags(past.id)
    close_meetings(past.end_at + timedelta(minutes=1))
    closed = etags(past.id)
    assert_moved(before, closed)
    occurrence = db.session.get(Meeting, past.id).occurrences[0]
    changed = paperless.api("POST", f"/meetings/{past.id}/occurrences/{occurrence.id}/held-mode",
                            "host", json={"held_mode": "online"})
    assert changed.status_code == 200, changed.get_json()
    assert_moved(closed, etags(past.id))


def test_closing_one_sitting_of_a_series_gives_it_a_new_version(paperless, etags, tree,
                                                                  create_meeting):
    series = create_meeting(tree.phuc_xa, at(20, 14), extra_starts=[at(27, 14)],
                            participants=[tree.truc_bach])
    db.session.commit()
    before = etags(series.id)
    close_meetings(series.occurrences[0].end_at + timedelta(minutes=1))
    series = db.session.get(Meeting, series.id)
    assert [o.status for o in series.occurrences] == ["held", "scheduled"]
    assert series.status == "scheduled"
    assert_moved(before, etags(series.id))


def test_uploading_a_document_gives_a_new_version(paperless, etags):
    before = etags(paperless.id)
    uploaded = paperless.api("POST", f"/meetings/{paperless.id}/documents", "host",
                             data={"file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf")},
                             content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    assert_moved(before, etags(paperless.id))


def test_recording_attendance_gives_a_new_version(paperless, etags):
    before = etags(paperless.id)
    recorded = paperless.api("PUT", f"/meetings/{paperless.id}/attendance/00004", "host",
                             json={"status": "present_online", "person": "Lê Văn Bình"})
    assert recorded.status_code == 200, recorded.get_json()
    middle = etags(paperless.id)
    assert_moved(before, middle)
    # a second unit's attendance is a second change
    paperless.api("PUT", f"/meetings/{paperless.id}/attendance/00001", "host",
                  json={"status": "present_in_person"})
    assert_moved(middle, etags(paperless.id))


def test_renaming_a_participating_unit_moves_the_feed(paperless, etags, tree):
    before = etags(paperless.id)
    import_units([{"code": "00004", "name": "Phường Trúc Bạch mới", "kind": "ward",
                   "parent": "001"}], tree.users.admin)
    db.session.commit()
    after = etags(paperless.id)
    assert after[1] != before[1]
