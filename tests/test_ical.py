"""invite.ics: what Outlook, Google Calendar, Thunderbird and Apple Calendar read — checked with
icalendar and with an independent parser (vobject), and series expanded by
recurring-ical-events against the stored occurrences."""
from datetime import datetime, timedelta

import icalendar
import recurring_ical_events
import vobject

from scheduler.core.timeutil import UTC
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import book_with_guests, on, working_monday


def fetch(client, auth, meeting_id, username="vp_phucxa"):
    auth.login(username)
    return client.get(f"/api/v1/meetings/{meeting_id}/invite.ics")


def only_event(cal):
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_invite_of_a_single_meeting_carries_what_calendar_programs_need(client, auth, contacts):
    room = db.session.merge(contacts.phuc_xa)
    from scheduler.rooms.models import Room

    hall = Room(unit=room, name="Phòng họp tầng 2", capacity=20)
    db.session.add(hall)
    db.session.commit()
    meeting = book_with_guests(contacts, rooms=[hall.id])
    resp = fetch(client, auth, meeting.id)
    assert resp.status_code == 200
    assert resp.mimetype == "text/calendar"
    assert "method=REQUEST" in resp.headers["Content-Type"]
    cal = icalendar.Calendar.from_ical(resp.data)
    assert str(cal["METHOD"]) == "REQUEST"
    tz = list(cal.walk("VTIMEZONE"))
    assert [str(t["TZID"]) for t in tz] == ["Asia/Ho_Chi_Minh"]
    event = only_event(cal)
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert event["DTSTART"].dt == meeting.start_at
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=90)
    assert "DTSTAMP" in event
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Họp giao ban tuần"
    assert str(event["LOCATION"]) == "Phòng họp tầng 2 (Phường Phúc Xá)"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:phucxa@hanoi.gov.vn"
    assert organizer.params["CN"] == "Phường Phúc Xá"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {"mailto:trucbach@hanoi.gov.vn", "mailto:vp.badinh@hanoi.gov.vn"}
    for params in attendees.values():
        assert (params["ROLE"], params["PARTSTAT"], params["RSVP"]) == (
            "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE")
    assert attendees["mailto:trucbach@hanoi.gov.vn"]["CN"] == "Phường Trúc Bạch"
    assert "1. Tình hình tuần\n2. Kế hoạch" in str(event["DESCRIPTION"])
    assert f"/meetings/{meeting.id}" in str(event["URL"])
    alarm = list(event.walk("VALARM"))[0]
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)

    # an independent parser reads the same facts
    parsed = vobject.readOne(resp.data.decode())
    vevent = parsed.vevent
    assert vevent.uid.value == meeting.uid
    assert vevent.dtstart.value == meeting.start_at
    assert vevent.summary.value == "Họp giao ban tuần"
    assert len(vevent.attendee_list) == 2


def test_online_meeting_invite_points_to_the_join_link(client, auth, contacts):
    contacts.truc_bach.tech_name = "Nguyễn Văn Kỹ"
    db.session.commit()
    meeting = book_with_guests(contacts, mode="online")
    assert meeting.join_url
    event = only_event(icalendar.Calendar.from_ical(fetch(client, auth, meeting.id).data))
    assert str(event["URL"]) == meeting.join_url
    assert meeting.join_url in str(event["DESCRIPTION"])
    # each unit's technical contact connects its endpoint, so is invited too
    attendees = {str(a): (a.params["CN"], a.params["CUTYPE"]) for a in event["ATTENDEE"]}
    assert attendees == {
        "mailto:trucbach@hanoi.gov.vn": ("Phường Trúc Bạch", "GROUP"),
        "mailto:kythuat.trucbach@hanoi.gov.vn": ("Nguyễn Văn Kỹ", "INDIVIDUAL"),
        "mailto:vp.badinh@hanoi.gov.vn": ("Quận Ba Đình", "GROUP"),  # no technical contact set
    }


def test_pending_meeting_is_tentative(client, auth, contacts):
    from scheduler.rooms.models import Room

    hall = Room(unit=contacts.phuc_xa, name="Hội trường", capacity=100, requires_approval=True)
    db.session.add(hall)
    db.session.commit()
    meeting = book_with_guests(contacts, rooms=[hall.id])
    assert meeting.status == "pending"
    event = only_event(icalendar.Calendar.from_ical(fetch(client, auth, meeting.id).data))
    assert str(event["STATUS"]) == "TENTATIVE"


def test_sequence_and_cancel_life_cycle(client, auth, contacts):
    meeting = book_with_guests(contacts)
    first = only_event(icalendar.Calendar.from_ical(fetch(client, auth, meeting.id).data))
    auth.logout()
    new_start = meeting.start_at + timedelta(hours=2)
    services.update_meeting(contacts.users.ward_staff, meeting,
                            {"start": new_start.isoformat(),
                             "end": (new_start + timedelta(minutes=90)).isoformat()})
    db.session.commit()
    moved = only_event(icalendar.Calendar.from_ical(fetch(client, auth, meeting.id).data))
    assert str(moved["UID"]) == str(first["UID"])
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved["DTSTART"].dt == new_start
    auth.logout()
    services.cancel_meeting(contacts.users.ward_staff, meeting, reason="Lãnh đạo bận")
    db.session.commit()
    resp = fetch(client, auth, meeting.id)
    assert "method=CANCEL" in resp.headers["Content-Type"]
    cal = icalendar.Calendar.from_ical(resp.data)
    assert str(cal["METHOD"]) == "CANCEL"
    cancelled = only_event(cal)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == meeting.uid
    assert int(cancelled["SEQUENCE"]) >= int(moved["SEQUENCE"])
    assert not list(cancelled.walk("VALARM"))


def expand(ics: bytes, start: datetime, end: datetime):
    cal = icalendar.Calendar.from_ical(ics)
    return recurring_ical_events.of(cal).between(start, end)


def test_series_expansion_equals_the_stored_occurrences(client, auth, contacts):
    first = working_monday()
    meeting = book_with_guests(contacts, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=8",
                   skip_dates=[(first + timedelta(weeks=2)).isoformat()])
    occurrences = sorted(meeting.occurrences, key=lambda o: o.start_at)
    assert len(occurrences) == 7
    services.cancel_occurrence(contacts.users.ward_staff, occurrences[3], reason="Trùng lịch")
    db.session.commit()
    target = occurrences[5]
    new_start = target.start_at + timedelta(days=1, hours=5)
    services.move_occurrence(contacts.users.ward_staff, target, new_start,
                             new_start + timedelta(minutes=90))
    db.session.commit()
    ics = fetch(client, auth, meeting.id).data
    window = (on(first, 0) - timedelta(days=1), on(first, 0) + timedelta(weeks=10))
    got = sorted((e["DTSTART"].dt, e["DTEND"].dt) for e in expand(ics, *window))
    db.session.expire_all()
    want = sorted((o.start_at, o.end_at) for o in meeting.occurrences if o.status != "cancelled")
    assert got == want
    cal = icalendar.Calendar.from_ical(ics)
    events = list(cal.walk("VEVENT"))
    master = [e for e in events if "RRULE" in e][0]
    exdates = {d.dt for prop in (master["EXDATE"] if isinstance(master["EXDATE"], list)
                                 else [master["EXDATE"]]) for d in prop.dts}
    assert on(first + timedelta(weeks=2), 8) in exdates  # skipped at booking
    assert occurrences[3].original_start in exdates  # cancelled afterwards
    override = [e for e in events if "RECURRENCE-ID" in e]
    assert len(override) == 1 and str(override[0]["UID"]) == meeting.uid
    assert override[0]["RECURRENCE-ID"].dt == target.original_start
    # vobject expands the same series (its own RRULE engine)
    parsed = vobject.readOne(ics.decode())
    master_v = [v for v in parsed.vevent_list if hasattr(v, "rrule")][0]
    dates = [d.astimezone(UTC) for d in master_v.getrruleset(addRDate=True)]
    assert target.original_start not in want
    assert sorted(dates) == sorted([o.original_start for o in meeting.occurrences
                                    if o.status != "cancelled"])


def test_unbounded_stored_series_is_cut_at_its_last_occurrence(app, contacts, create_meeting):
    from scheduler.calendar import ical
    from scheduler.calendar.feeds import links

    start = on(working_monday(), 14)
    meeting = create_meeting(contacts.phuc_xa, start, rrule="FREQ=DAILY;INTERVAL=2", count=5)
    ics = ical.invitation(meeting, links())
    got = [e["DTSTART"].dt for e in expand(ics, start - timedelta(days=1), start + timedelta(days=60))]
    assert got == [o.start_at for o in meeting.occurrences]


HOSTILE = ("Họp khẩn, về: dự án; \"Cầu Long Biên\"\nATTENDEE:mailto:evil@x\r\n"
           "END:VEVENT\\n\\ mới, thư mục C:\\Ngân sách\\N")


def test_hostile_text_is_escaped_and_parses_back_intact(app, contacts, create_meeting):
    from scheduler.calendar import ical
    from scheduler.calendar.feeds import links

    contacts.truc_bach.name = 'Phường "Trúc Bạch"\nATTENDEE:mailto:evil@x'
    meeting = create_meeting(contacts.phuc_xa, on(working_monday(), 8), title=HOSTILE,
                             agenda=HOSTILE * 3, participants=[contacts.truc_bach],
                             join_url="https://meet.example.vn/a b\nATTENDEE:mailto:evil@x")
    ics = ical.invitation(meeting, links())
    for line in ics.decode().split("\r\n"):
        assert not line.startswith("ATTENDEE:mailto:evil"), line
        assert not line.startswith("END:VEVENT\\")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    event = only_event(icalendar.Calendar.from_ical(ics))
    expected = HOSTILE.replace("\r\n", "\n")
    assert str(event["SUMMARY"]) == expected
    assert expected * 3 in str(event["DESCRIPTION"])
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert [str(a) for a in attendees] == ["mailto:trucbach@hanoi.gov.vn"]
    assert "evil" not in str(event["URL"])
    vevent = vobject.readOne(ics.decode()).vevent
    assert vevent.summary.value == expected
    assert len(vevent.attendee_list) == 1


def test_invite_access(client, auth, contacts):
    meeting = book_with_guests(contacts, participants=["00004"])
    assert fetch(client, auth, meeting.id, "vp_hangbac").status_code == 403
    auth.logout()
    assert fetch(client, auth, meeting.id, "vp_badinh").status_code == 403  # district staff: own unit only
    auth.logout()
    assert fetch(client, auth, meeting.id, "qt_badinh").status_code == 200  # district admin: subtree
    missing = client.get("/api/v1/meetings/999999/invite.ics")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    auth.logout()
    assert client.get(f"/api/v1/meetings/{meeting.id}/invite.ics").status_code == 401



def test_sequence_rises_when_rooms_or_participants_change(app, contacts):
    """A calendar program takes a REQUEST with an unchanged SEQUENCE for a stale copy: moving
    the meeting to another room or inviting other units must raise it, as a new time does."""
    from scheduler.calendar import ical
    from scheduler.calendar.feeds import links
    from scheduler.rooms.models import Room

    hall = Room(unit=contacts.phuc_xa, name="Phòng họp tầng 2", capacity=20)
    annex = Room(unit=contacts.phuc_xa, name="Phòng họp tầng 3", capacity=20)
    db.session.add_all([hall, annex])
    db.session.commit()
    meeting = book_with_guests(contacts, rooms=[hall.id])

    def event():
        return only_event(icalendar.Calendar.from_ical(ical.invitation(meeting, links())))

    first = event()
    services.update_meeting(contacts.users.ward_staff, meeting, {"rooms": [annex.id]})
    db.session.commit()
    moved = event()
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(moved["LOCATION"]).startswith("Phòng họp tầng 3")
    services.update_meeting(contacts.users.ward_staff, meeting, {"participants": ["00004"]})
    db.session.commit()
    invited = event()
    assert int(invited["SEQUENCE"]) > int(moved["SEQUENCE"])
    attendees = invited["ATTENDEE"] if isinstance(invited["ATTENDEE"], list) else [invited["ATTENDEE"]]
    assert [str(a) for a in attendees] == ["mailto:trucbach@hanoi.gov.vn"]
    services.update_meeting(contacts.users.ward_staff, meeting, {"agenda": "Nội dung mới"})
    db.session.commit()
    # the agenda goes out as a new REQUEST too, which calendars apply only with a higher SEQUENCE
    assert int(event()["SEQUENCE"]) > int(invited["SEQUENCE"])


def test_organizer_is_a_valid_address_without_unit_mailbox_or_sender(app, contacts, create_meeting):
    from scheduler.calendar import ical
    from scheduler.calendar.feeds import links

    app.config["MAIL_SENDER"] = ""
    contacts.phuc_xa.email = None
    meeting = create_meeting(contacts.phuc_xa, on(working_monday(), 8),
                             participants=[contacts.truc_bach])
    ics = ical.invitation(meeting, links())
    assert b"None" not in ics
    organizer = only_event(icalendar.Calendar.from_ical(ics))["ORGANIZER"]
    assert str(organizer) == "mailto:lichhop@localhost"
    assert organizer.params["CN"] == "Phường Phúc Xá"
    assert vobject.readOne(ics.decode()).vevent.organizer.value == "mailto:lichhop@localhost"


def test_hostile_text_in_a_feed_parses_back_intact(app, contacts, create_meeting):
    """The feed writes its calendar name and every VEVENT of a series (master and moved
    sitting) through the same escaping as an invitation; both parsers read it back whole."""
    from scheduler.calendar import ical
    from scheduler.calendar.feeds import links

    contacts.truc_bach.name = 'Phường "Trúc Bạch"\nATTENDEE:mailto:evil@x'
    meeting = create_meeting(contacts.phuc_xa, on(working_monday(), 8), title=HOSTILE,
                             agenda=HOSTILE, participants=[contacts.truc_bach],
                             rrule="FREQ=WEEKLY;COUNT=3", count=3,
                             join_url="https://meet.example.vn/a b\nATTENDEE:mailto:evil@x")
    second = meeting.occurrences[1]
    second.start_at += timedelta(days=1)
    second.end_at += timedelta(days=1)
    ics = ical.feed([meeting], links(), name=HOSTILE)
    for line in ics.decode().split("\r\n"):
        assert not line.startswith("ATTENDEE:mailto:evil"), line
        assert not line.startswith("END:VEVENT\\")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    expected = HOSTILE.replace("\r\n", "\n")
    cal = icalendar.Calendar.from_ical(ics)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2 and all(str(e["SUMMARY"]) == expected for e in events)
    parsed = vobject.readOne(ics.decode())
    # (icalendar leaves a property of the calendar itself escaped: vobject reads the name)
    assert parsed.contents["x-wr-calname"][0].value == expected
    assert parsed.contents["name"][0].value == expected
    assert len(parsed.vevent_list) == 2
    for vevent in parsed.vevent_list:
        assert vevent.summary.value == expected
        assert expected in vevent.description.value
        assert [a.value for a in vevent.attendee_list] == ["mailto:trucbach@hanoi.gov.vn"]
        assert "evil" not in vevent.url.value
    override = [v for v in parsed.vevent_list if hasattr(v, "recurrence_id")]
    assert [v.dtstart.value for v in override] == [second.start_at]
