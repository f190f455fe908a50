"""Calendar feeds: secret tokens (revocable, regenerable, audited), conditional GET, content."""
from datetime import timedelta

import re

import icalendar
import recurring_ical_events
import sqlalchemy as sa
import vobject

from scheduler.audit.models import AuditEntry
from scheduler.calendar import feeds
from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.rooms.models import Room
from tests.booking_helpers import book_with_guests, on, working_monday


def enable(client, auth, kind, owner_id, username="qt_phucxa", action="regenerate"):
    auth.login(username)
    resp = client.post(f"/calendar/tokens/{kind}/{owner_id}/{action}")
    auth.logout()
    return resp


def shown_token(response, kind) -> str:
    """The token of the link the page shows once, right after it was made."""
    assert response.status_code == 200
    return re.search(rf"/calendar/{kind}/([\w-]+)\.ics", response.get_data(as_text=True)).group(1)


def test_unit_feed_lists_the_units_meetings_for_two_parsers(client, auth, contacts):
    hosted = book_with_guests(contacts, title="Họp của phường")
    invited = book_with_guests(contacts, user=contacts.users.district_staff, host_unit="001",
                   participants=["00001"], title="Quận mời phường",
                   start=(hosted.start_at + timedelta(days=1)).isoformat(),
                   end=(hosted.end_at + timedelta(days=1)).isoformat())
    book_with_guests(contacts, user=contacts.users.district_staff, host_unit="001", participants=["00004"],
         title="Không liên quan", start=(hosted.start_at + timedelta(days=2)).isoformat(),
         end=(hosted.end_at + timedelta(days=2)).isoformat())
    token = shown_token(enable(client, auth, "unit", contacts.phuc_xa.id), "unit")
    resp = client.get(f"/calendar/unit/{token}.ics")
    assert resp.status_code == 200
    assert resp.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(resp.data)
    assert "METHOD" not in cal
    assert str(cal["X-WR-CALNAME"]) == "Lịch họp – Phường Phúc Xá"
    assert {str(e["SUMMARY"]) for e in cal.walk("VEVENT")} == {"Họp của phường", "Quận mời phường"}
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {hosted.uid, invited.uid}
    parsed = vobject.readOne(resp.data.decode())
    assert {v.summary.value for v in parsed.vevent_list} == {"Họp của phường", "Quận mời phường"}


def test_cancelled_meetings_and_dates_stay_in_the_feed_as_cancelled(client, auth, contacts):
    single = book_with_guests(contacts, title="Họp sẽ hủy")
    series = book_with_guests(contacts, title="Giao ban", rrule="FREQ=WEEKLY;COUNT=4",
                  start=(single.start_at + timedelta(hours=3)).isoformat(),
                  end=(single.start_at + timedelta(hours=4)).isoformat())
    services.cancel_meeting(contacts.users.ward_staff, single)
    db.session.commit()
    third = sorted(series.occurrences, key=lambda o: o.start_at)[2]
    services.cancel_occurrence(contacts.users.ward_staff, third)
    db.session.commit()
    token = feeds.change_feed_token(contacts.users.ward_admin, "unit", contacts.phuc_xa, "regenerate")
    db.session.commit()
    cal = icalendar.Calendar.from_ical(client.get(f"/calendar/unit/{token}.ics").data)
    status = {(str(e["SUMMARY"]), e.get("RECURRENCE-ID") is not None): str(e["STATUS"])
              for e in cal.walk("VEVENT")}
    assert status == {("Họp sẽ hủy", False): "CANCELLED", ("Giao ban", False): "CONFIRMED",
                      ("Giao ban", True): "CANCELLED"}
    start = series.start_at - timedelta(days=1)
    expanded = recurring_ical_events.of(cal).between(start, start + timedelta(weeks=6))
    live = sorted(e["DTSTART"].dt for e in expanded
                  if str(e["SUMMARY"]) == "Giao ban" and str(e["STATUS"]) != "CANCELLED")
    db.session.expire_all()
    assert live == sorted(o.start_at for o in series.occurrences if o.status != "cancelled")


def test_unchanged_feed_answers_304_and_a_change_refreshes_it(client, auth, contacts):
    meeting = book_with_guests(contacts)
    token = feeds.change_feed_token(contacts.users.ward_admin, "unit", contacts.phuc_xa, "regenerate")
    db.session.commit()
    url = f"/calendar/unit/{token}.ics"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    again = client.get(url)
    assert again.headers["ETag"] == etag and again.data == first.data  # same data, same bytes
    services.update_meeting(contacts.users.ward_staff, meeting, {"title": "Họp giao ban (đổi giờ)"})
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"(\xc4\x91\xe1\xbb\x95i gi\xe1\xbb\x9d)" in changed.data  # "(đổi giờ)"
    # one more meeting changes the tag too
    book_with_guests(contacts, start=(meeting.start_at + timedelta(days=1)).isoformat(),
         end=(meeting.end_at + timedelta(days=1)).isoformat())
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 200
    latest = client.get(url)
    # a weak validator matches too (If-None-Match compares weakly, RFC 9110 13.1.2)
    assert client.get(url, headers={"If-None-Match": "W/" + latest.headers["ETag"]}).status_code == 304
    # the feed shows rooms' and units' names and contacts: changing them is a change of the feed
    participant = meeting.participants[0]
    participant.email = "vanthu.moi@hanoi.gov.vn"
    db.session.commit()
    renamed = client.get(url, headers={"If-None-Match": latest.headers["ETag"]})
    assert renamed.status_code == 200 and b"vanthu.moi@hanoi.gov.vn" in renamed.data


def test_feed_state_does_not_build_the_feed(app, contacts, monkeypatch, create_meeting):
    create_meeting(contacts.phuc_xa, on(working_monday(), 8))
    contacts.phuc_xa.feed_token = feeds.hash_token("t" * 43)
    db.session.commit()

    def refuse(*_args, **_kw):
        raise AssertionError("a 304 must not build the calendar")

    monkeypatch.setattr(feeds, "feed_bytes", refuse)
    client = app.test_client()
    etag, _modified = feeds.feed_state("unit", contacts.phuc_xa, utcnow())
    assert client.get("/calendar/unit/" + "t" * 43 + ".ics",
                      headers={"If-None-Match": f'"{etag}"'}).status_code == 304


def test_tokens_revoke_and_regenerate_with_audit(client, auth, contacts):
    unit = contacts.phuc_xa
    assert client.get("/calendar/unit/nothing.ics").status_code == 404
    # staff may switch the unit's feed on, but not cut off subscribers
    old = shown_token(enable(client, auth, "unit", unit.id, "vp_phucxa"), "unit")
    assert client.get(f"/calendar/unit/{old}.ics").status_code == 200
    db.session.expire_all()
    assert unit.feed_token == feeds.hash_token(old)  # the database keeps only the hash
    assert enable(client, auth, "unit", unit.id, "vp_phucxa").status_code == 403
    assert enable(client, auth, "unit", unit.id, "vp_hangbac").status_code == 403
    new = shown_token(enable(client, auth, "unit", unit.id, "qt_phucxa"), "unit")
    assert new != old
    assert client.get(f"/calendar/unit/{old}.ics").status_code == 404
    assert client.get(f"/calendar/unit/{new}.ics").status_code == 200
    assert enable(client, auth, "unit", unit.id, "qt_phucxa", "revoke").status_code == 302
    db.session.expire_all()
    assert unit.feed_token is None
    assert client.get(f"/calendar/unit/{new}.ics").status_code == 404
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "unit").order_by(AuditEntry.id)).all()
    assert actions == ["feed_token.regenerate", "feed_token.regenerate", "feed_token.revoke"]
    summaries = " ".join(db.session.scalars(sa.select(AuditEntry.summary)))
    assert new not in summaries and old not in summaries


def test_personal_and_room_feeds(client, auth, contacts):
    hall = Room(unit=contacts.phuc_xa, name="Phòng họp 1", capacity=20)
    db.session.add(hall)
    db.session.commit()
    in_room = book_with_guests(contacts, rooms=[hall.id], title="Trong phòng")
    book_with_guests(contacts, title="Không phòng", start=(in_room.start_at + timedelta(days=1)).isoformat(),
         end=(in_room.end_at + timedelta(days=1)).isoformat())
    user = contacts.users.ward_staff
    personal = shown_token(enable(client, auth, "user", user.id, "vp_phucxa"), "user")
    assert enable(client, auth, "user", user.id, "vp_hangbac").status_code == 403
    assert enable(client, auth, "room", hall.id, "vp_phucxa").status_code == 403
    hall_token = shown_token(enable(client, auth, "room", hall.id, "qt_phucxa"), "room")
    db.session.expire_all()
    mine = icalendar.Calendar.from_ical(client.get(f"/calendar/user/{personal}.ics").data)
    assert {str(e["SUMMARY"]) for e in mine.walk("VEVENT")} == {"Trong phòng", "Không phòng"}
    room = icalendar.Calendar.from_ical(client.get(f"/calendar/room/{hall_token}.ics").data)
    assert [str(e["SUMMARY"]) for e in room.walk("VEVENT")] == ["Trong phòng"]
    # a deactivated user's personal feed stops
    user.active = False
    db.session.commit()
    assert client.get(f"/calendar/user/{personal}.ics").status_code == 404


def test_feed_window_leaves_out_old_meetings(app, contacts, create_meeting):
    contacts.phuc_xa.feed_token = feeds.hash_token("w" * 43)
    create_meeting(contacts.phuc_xa, utcnow() - timedelta(days=120), title="Quá cũ")
    create_meeting(contacts.phuc_xa, utcnow() - timedelta(days=30), title="Tháng trước")
    create_meeting(contacts.phuc_xa, utcnow() + timedelta(days=400), title="Quá xa")
    db.session.commit()
    cal = icalendar.Calendar.from_ical(app.test_client().get("/calendar/unit/" + "w" * 43 + ".ics").data)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Tháng trước"]


def test_subscriptions_page_shows_links_and_instructions(client, auth, contacts):
    auth.login("vp_phucxa")
    page = client.get("/calendar").get_data(as_text=True)
    assert "Chưa bật liên kết lịch" in page
    assert "Google Calendar" in page and "Outlook" in page and "Từ URL" in page
    made = client.post(f"/calendar/tokens/unit/{contacts.phuc_xa.id}/regenerate")
    token = shown_token(made, "unit")
    page = made.get_data(as_text=True)
    assert "webcal://" in page and f"/calendar/unit/{token}.ics" in page
    assert "Thu hồi" not in page  # staff cannot revoke
    assert made.headers["Cache-Control"] == "no-store"
    # shown once: later visits say the link is on, without showing it
    later = client.get("/calendar").get_data(as_text=True)
    assert token not in later and 'data-testid="link-hidden"' in later
    auth.logout()
    auth.login("vp_hangbac")
    assert client.get("/calendar?unit=00001").status_code == 403
    assert token not in client.get("/calendar").get_data(as_text=True)


def test_feed_entries_are_those_the_meetings_themselves_give(client, auth, contacts):
    """The feed reads plain rows rather than ORM objects (for speed): what it writes must be
    exactly what the meetings' ORM objects give — rooms with their units, participants with
    their technical contacts, a series with a moved and a cancelled date, a cancelled meeting."""
    from scheduler.calendar import ical
    from scheduler.meetings.models import Meeting

    contacts.truc_bach.tech_name = "Trần Kỹ Thuật"
    hall = Room(unit=contacts.phuc_xa, name="Phòng họp; tầng 2", capacity=20)
    db.session.add(hall)
    db.session.commit()
    online = book_with_guests(contacts, mode="online", rooms=[hall.id], title="Trực tuyến")
    series = book_with_guests(contacts, title="Giao ban", rrule="FREQ=WEEKLY;COUNT=4",
                  participants=["00004"], start=(online.start_at + timedelta(hours=3)).isoformat(),
                  end=(online.start_at + timedelta(hours=4)).isoformat())
    sittings = sorted(series.occurrences, key=lambda o: o.start_at)
    services.cancel_occurrence(contacts.users.ward_staff, sittings[1])
    db.session.commit()
    services.move_occurrence(contacts.users.ward_staff, sittings[2],
                             sittings[2].start_at + timedelta(days=1),
                             sittings[2].end_at + timedelta(days=1))
    db.session.commit()
    dropped = book_with_guests(contacts, title="Sẽ hủy", start=(online.start_at + timedelta(days=2)).isoformat(),
                   end=(online.end_at + timedelta(days=2)).isoformat())
    services.cancel_meeting(contacts.users.ward_staff, dropped)
    db.session.commit()
    token = feeds.change_feed_token(contacts.users.ward_admin, "unit", contacts.phuc_xa, "regenerate")
    db.session.commit()
    served = client.get(f"/calendar/unit/{token}.ics").data
    db.session.expire_all()
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at, Meeting.id)).all()
    expected = ical.feed(meetings, feeds.links(), feeds.feed_name("unit", contacts.phuc_xa))
    assert served == expected
    assert b"mailto:kythuat.trucbach@hanoi.gov.vn" in served
    assert len(list(icalendar.Calendar.from_ical(served).walk("VEVENT"))) == 5
