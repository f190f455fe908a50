"""Booking rules: conflicts of rooms and endpoints, validation, permissions, room rules,
approval, past bookings and audit."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.core.errors import Conflict, Forbidden, ValidationError
from scheduler.core.timeutil import today_local
from scheduler.extensions import db
from scheduler.meetings import events, queries, serializers, services
from scheduler.meetings.models import Meeting, Occurrence, Reservation
from tests.booking_helpers import at, on, request_for
from tests.conftest import count


def book(user, unit, start, minutes=60, **kw):
    meeting = services.book_meeting(user, request_for(unit, start, minutes, **kw))
    db.session.commit()
    return meeting


def refused(error_type, user, data):
    before = (count(Meeting), count(Occurrence), count(Reservation), count(AuditEntry))
    with pytest.raises(error_type) as info:
        services.book_meeting(user, data)
    db.session.rollback()
    assert (count(Meeting), count(Occurrence), count(Reservation), count(AuditEntry)) == before
    return info.value


def test_room_double_booking_is_refused_naming_the_meeting_and_next_slot(tree, rooms):
    room = rooms["phuc_xa"].id
    book(tree.users.ward_staff, tree.phuc_xa, at(3, 8), minutes=120, rooms=[room], title="Họp A")
    err = refused(Conflict, tree.users.ward_admin,
                  request_for(tree.phuc_xa, at(3, 9), rooms=[room], title="Họp B"))
    [clash] = err.details["conflicts"]
    assert clash["title"] == "Họp A" and clash["unit"] == "00001"
    assert clash["start"] == at(3, 8).isoformat() and clash["resource"].endswith("Phòng họp tầng 2")
    assert "Họp A" in err.message
    from flask_babel import force_locale

    with force_locale("en"):
        err = refused(Conflict, tree.users.ward_admin,
                      request_for(tree.phuc_xa, at(3, 9), rooms=[room], title="Họp B"))
    assert err.details["conflicts"][0]["resource"] == "Room: Phòng họp tầng 2"
    assert err.details["next_free"] == {"start": at(3, 10).isoformat(), "end": at(3, 11).isoformat()}


def test_touching_meetings_do_not_conflict(tree, rooms):
    room = rooms["phuc_xa"].id
    book(tree.users.ward_staff, tree.phuc_xa, at(3, 8), rooms=[room])
    second = book(tree.users.ward_staff, tree.phuc_xa, at(3, 9), rooms=[room])
    earlier = book(tree.users.ward_staff, tree.phuc_xa, at(3, 7), rooms=[room])
    assert second.status == earlier.status == "scheduled"


def test_endpoint_cannot_join_two_overlapping_online_meetings(tree):
    book(tree.users.district_staff, tree.ba_dinh, at(4, 14), mode="online", participants=["00001"],
         title="Quận họp trực tuyến")
    err = refused(Conflict, tree.users.ward_staff,
                  request_for(tree.phuc_xa, at(4, 14, 30), mode="hybrid", title="Phường họp"))
    resources = {c["resource"] for c in err.details["conflicts"]}
    assert any("Phúc Xá" in r for r in resources)
    assert {c["title"] for c in err.details["conflicts"]} == {"Quận họp trực tuyến"}


def test_in_person_meetings_take_no_endpoint(tree):
    book(tree.users.district_staff, tree.ba_dinh, at(4, 14), mode="online", participants=["00001"])
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(4, 14), mode="in_person")
    assert meeting.status == "scheduled"


@pytest.mark.parametrize("gap, clashes", [(0, True), (20, True), (30, False)])
def test_endpoint_connection_test_lead_time(tree, gap, clashes):
    """The endpoint is taken from 30 minutes before the start (ENDPOINT_TEST_LEAD_MINUTES)."""
    first = at(5, 8)
    book(tree.users.ward_staff, tree.phuc_xa, first, mode="online")
    data = request_for(tree.phuc_xa, first + timedelta(minutes=60 + gap), mode="online")
    if clashes:
        refused(Conflict, tree.users.ward_staff, data)
    else:
        assert services.book_meeting(tree.users.ward_staff, data).status == "scheduled"


@pytest.mark.parametrize("app_config", [{"ENDPOINT_TEST_LEAD_MINUTES": 0}])
def test_lead_time_is_configurable(tree, app_config):
    book(tree.users.ward_staff, tree.phuc_xa, at(5, 8), mode="online")
    assert book(tree.users.ward_staff, tree.phuc_xa, at(5, 9), mode="online").id


def test_cancelled_meeting_blocks_nothing(tree, rooms):
    room = rooms["phuc_xa"].id
    first = book(tree.users.ward_staff, tree.phuc_xa, at(3, 8), rooms=[room], mode="online")
    services.cancel_meeting(tree.users.ward_staff, first, "Lãnh đạo đi công tác")
    db.session.commit()
    assert not db.session.scalars(sa.select(Reservation).where(Reservation.active)).all()
    again = book(tree.users.ward_admin, tree.phuc_xa, at(3, 8), rooms=[room], mode="online")
    assert again.status == "scheduled"
    assert db.session.get(Meeting, first.id).cancel_reason == "Lãnh đạo đi công tác"


def test_online_needs_video_conference_at_every_unit(tree):
    err = refused(ValidationError, tree.users.admin,
                  request_for(tree.city, at(3), mode="online", participants=["00001", "00037"]))
    assert "Phường Hàng Bạc" in err.details["fields"]["participants"]
    assert "Phúc Xá" not in err.details["fields"]["participants"]
    # the same meeting in person invites Hàng Bạc without an endpoint
    assert book(tree.users.admin, tree.city, at(3), participants=["00001", "00037"]).id


LONG = "x" * 301
BAD_INPUT = [
    ({"start": "ngày mai"}, "start"),
    ({"end": "2026-02-30T10:00:00+07:00"}, "end"),
    ({"start": "2026-03-05"}, "start"),
    ({"title": ""}, "title"),
    ({"title": LONG}, "title"),
    ({"agenda": "y" * 20_001}, "agenda"),
    ({"category": "tiec"}, "category"),
    ({"mode": "carrier_pigeon"}, "mode"),
    ({"host_unit": "99999"}, "host_unit"),
    ({"participants": ["00001", "77777"]}, "participants"),
    ({"rooms": [424242]}, "rooms"),
    ({"rooms": "1"}, "rooms"),
    ({"paperless": "yes"}, "paperless"),
    ({"on_conflict": "ignore"}, "on_conflict"),
    ({"rrule": "FREQ=SECONDLY;COUNT=5"}, "rrule"),
]


@pytest.mark.parametrize("change, field", BAD_INPUT)
def test_bad_input_is_refused_naming_the_field(tree, change, field):
    data = {**request_for(tree.phuc_xa, at(3)), **change}
    err = refused(ValidationError, tree.users.ward_staff, data)
    assert field in err.details["fields"]
    assert err.message and err.details["fields"][field]


def test_end_before_start_and_zero_length(tree):
    start = at(3, 10)
    backwards = request_for(tree.phuc_xa, start, end=(start - timedelta(hours=1)).isoformat())
    err = refused(ValidationError, tree.users.ward_staff, backwards)
    assert "sau thời gian bắt đầu" in err.details["fields"]["end"]
    zero = request_for(tree.phuc_xa, start, end=start.isoformat())
    assert "0 phút" in refused(ValidationError, tree.users.ward_staff, zero).details["fields"]["end"]
    week = request_for(tree.phuc_xa, start, end=(start + timedelta(days=7)).isoformat())
    assert "72 giờ" in refused(ValidationError, tree.users.ward_staff, week).details["fields"]["end"]


def test_naive_times_are_hanoi_time(tree):
    start = at(3, 8)
    data = {**request_for(tree.phuc_xa, start), "start": start.replace(tzinfo=None).isoformat(),
            "end": (start + timedelta(hours=1)).replace(tzinfo=None).isoformat()}
    meeting = services.book_meeting(tree.users.ward_staff, data)
    assert meeting.start_at == start
    assert serializers.meeting_to_dict(meeting, tree.users.ward_staff)["start"].endswith("+07:00")


def test_who_may_book_for_which_unit(tree, rooms):
    users = tree.users
    refused(Forbidden, users.other_ward_staff, request_for(tree.phuc_xa, at(3)))
    refused(Forbidden, users.district_viewer, request_for(tree.ba_dinh, at(3)))
    refused(Forbidden, users.ward_staff, request_for(tree.ba_dinh, at(3)))
    # a ward may not take the district's hall; the district admin may, and may book for the ward
    refused(Forbidden, users.ward_staff, request_for(tree.phuc_xa, at(3), rooms=[rooms["ba_dinh"].id]))
    assert book(users.district_admin, tree.phuc_xa, at(3), rooms=[rooms["ba_dinh"].id]).id
    # a district meeting may use a room of a ward below it
    assert book(users.district_staff, tree.ba_dinh, at(4), rooms=[rooms["phuc_xa"].id]).id


def test_room_opening_hours_duration_and_advance(tree, create_room):
    from datetime import time

    room = create_room(tree.phuc_xa, "Phòng giờ hành chính", open_from=time(7, 30),
                       open_until=time(17, 0), max_duration_minutes=120, max_advance_days=30)
    db.session.commit()
    user = tree.users.ward_staff
    err = refused(ValidationError, user, request_for(tree.phuc_xa, at(3, 16, 30), rooms=[room.id]))
    assert "07:30 đến 17:00" in err.details["fields"]["rooms"]
    err = refused(ValidationError, user, request_for(tree.phuc_xa, at(3, 8), 180, rooms=[room.id]))
    assert "120 phút" in err.details["fields"]["rooms"]
    err = refused(ValidationError, user, request_for(tree.phuc_xa, at(45, 8), rooms=[room.id]))
    assert "30 ngày" in err.details["fields"]["rooms"]
    assert book(user, tree.phuc_xa, at(3, 15, 0), 120, rooms=[room.id]).id


def _next_holiday():
    import holidays

    today = today_local()
    days = sorted(d for d in holidays.Vietnam(years=[today.year, today.year + 1]) if d > today)
    return on(days[0], 9)


def test_rooms_are_closed_on_public_holidays_unless_a_reason_is_given(tree, rooms):
    holiday = _next_holiday()
    data = request_for(tree.phuc_xa, holiday, rooms=[rooms["phuc_xa"].id])
    err = refused(ValidationError, tree.users.ward_staff, data)
    assert "ngày nghỉ lễ" in err.message
    meeting = services.book_meeting(tree.users.ward_staff,
                                    {**data, "holiday_override_reason": "Phòng chống bão khẩn cấp"})
    db.session.commit()
    assert meeting.holiday_override_reason == "Phòng chống bão khẩn cấp"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "meeting")).one()
    assert entry.changes["holiday_override_reason"] == [None, "Phòng chống bão khẩn cấp"]


def test_closed_day_and_room_rules_land_on_their_own_fields_in_any_language(tree, create_room):
    """The holiday refusal belongs to the date, a room's rule to the rooms, whatever language
    the messages are written in (the form shows each next to its field)."""
    from datetime import time

    from flask_babel import force_locale

    room = create_room(tree.phuc_xa, "Phòng giờ hành chính", open_from=time(7, 30), open_until=time(17, 0))
    db.session.commit()
    holiday = _next_holiday()
    for language in ("vi", "en"):
        with force_locale(language):
            fields = refused(ValidationError, tree.users.ward_staff,
                             request_for(tree.phuc_xa, holiday.replace(hour=18), rooms=[room.id])
                             ).details["fields"]
        assert set(fields) == {"start", "rooms"}, language
        assert holiday.strftime("%d/%m/%Y") in fields["start"] and "17:00" in fields["rooms"]
        assert "17:00" not in fields["start"] and holiday.strftime("%d/%m/%Y") not in fields["rooms"]
    assert "public holiday" in fields["start"]


def test_room_requiring_approval_makes_the_booking_pending(tree, rooms):
    gated = rooms["gated"].id
    meeting = book(tree.users.district_staff, tree.ba_dinh, at(3), rooms=[gated])
    assert meeting.status == "pending" and meeting.occurrences[0].status == "pending"
    # still holds the room while pending
    refused(Conflict, tree.users.district_admin, request_for(tree.ba_dinh, at(3), rooms=[gated]))
    assert [m.id for m in queries.pending_approvals(tree.users.district_admin)] == [meeting.id]
    assert queries.pending_approvals(tree.users.ward_admin) == []
    with pytest.raises(Forbidden):
        services.approve_meeting(tree.users.ward_admin, meeting, "ok")
    db.session.rollback()
    services.approve_meeting(tree.users.district_admin, meeting, "Đồng ý")
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status == "scheduled" and meeting.occurrences[0].status == "scheduled"
    assert meeting.decided_by_id == tree.users.district_admin.id and meeting.decision_reason == "Đồng ý"


def test_declined_booking_is_cancelled_and_releases_the_room(tree, rooms):
    gated = rooms["gated"].id
    meeting = book(tree.users.district_staff, tree.ba_dinh, at(3), rooms=[gated])
    with pytest.raises(ValidationError):
        services.decline_meeting(tree.users.admin, meeting, "  ")
    db.session.rollback()
    services.decline_meeting(tree.users.admin, meeting, "Phòng đang sửa chữa")
    db.session.commit()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert book(tree.users.district_admin, tree.ba_dinh, at(3), rooms=[gated]).status == "pending"


def test_past_booking_is_held_at_once_and_still_conflict_checked(tree, rooms):
    room = rooms["phuc_xa"].id
    yesterday = at(-1, 8)
    meeting = book(tree.users.ward_staff, tree.phuc_xa, yesterday, rooms=[room], mode="online")
    assert meeting.status == "held" and meeting.occurrences[0].held_mode == "online"
    refused(Conflict, tree.users.ward_staff, request_for(tree.phuc_xa, yesterday, rooms=[room]))
    services.set_held_mode(tree.users.ward_staff, meeting.occurrences[0], "in_person")
    db.session.commit()
    assert db.session.get(Meeting, meeting.id).occurrences[0].held_mode == "in_person"
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "meeting", AuditEntry.object_id == str(meeting.id))).all()
    assert actions == ["meeting.create", "meeting.held_mode"]
    with pytest.raises(ValidationError):
        services.set_held_mode(tree.users.ward_staff, meeting.occurrences[0], "telepathy")


def test_future_meeting_has_no_held_mode_to_correct(tree):
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(3))
    with pytest.raises(ValidationError):
        services.set_held_mode(tree.users.ward_staff, meeting.occurrences[0], "online")


def test_every_change_that_sends_an_invitation_raises_sequence(tree, rooms):
    """Title, agenda, chair go out as a new REQUEST too: calendars ignore one whose SEQUENCE
    did not grow. Sending the same values again changes nothing."""
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(3), rooms=[rooms["phuc_xa"].id])
    services.update_meeting(tree.users.ward_staff, meeting, {"agenda": "Nội dung mới"})
    db.session.commit()
    assert meeting.sequence == 1
    services.update_meeting(tree.users.ward_staff, meeting, {"agenda": "Nội dung mới"})
    db.session.commit()
    assert meeting.sequence == 1
    services.update_meeting(tree.users.ward_staff, meeting, {"start": at(3, 14).isoformat(),
                                                             "end": at(3, 15).isoformat()})
    db.session.commit()
    assert meeting.sequence == 2 and meeting.occurrences[0].start_at == at(3, 14)
    services.update_meeting(tree.users.ward_staff, meeting, {"participants": ["00004"]})
    db.session.commit()
    assert meeting.sequence == 3
    history = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "meeting", AuditEntry.object_id == str(meeting.id))
        .order_by(AuditEntry.id)).all()
    assert [e.action for e in history] == ["meeting.create"] + ["meeting.update"] * 3
    assert history[1].changes == {"agenda": ["1. Tình hình tuần", "Nội dung mới"]}
    # the old slot is free again, the new one is taken
    assert book(tree.users.ward_admin, tree.phuc_xa, at(3), rooms=[rooms["phuc_xa"].id]).id
    refused(Conflict, tree.users.ward_admin,
            request_for(tree.phuc_xa, at(3, 14), rooms=[rooms["phuc_xa"].id]))


def test_update_into_a_taken_slot_is_refused_and_changes_nothing(tree, rooms):
    room = rooms["phuc_xa"].id
    book(tree.users.ward_staff, tree.phuc_xa, at(3, 14), rooms=[room], title="Đã có")
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(3, 8), rooms=[room])
    with pytest.raises(Conflict) as info:
        services.update_meeting(tree.users.ward_staff, meeting, {"start": at(3, 14).isoformat(),
                                                                 "end": at(3, 15).isoformat()})
    db.session.rollback()
    assert info.value.details["conflicts"][0]["title"] == "Đã có"
    assert db.session.get(Meeting, meeting.id).start_at == at(3, 8)
    with pytest.raises(Forbidden):
        services.update_meeting(tree.users.other_ward_staff, meeting, {"title": "Chiếm"})


def test_every_change_is_announced(tree, rooms):
    heard = []

    def listener(meeting, change, occurrence=None):
        heard.append(change)

    for event in events.MEETING_CHANGES.values():
        event.connect(listener)
    try:
        meeting = book(tree.users.district_staff, tree.ba_dinh, at(3), rooms=[rooms["gated"].id])
        services.approve_meeting(tree.users.district_admin, meeting, None)
        db.session.commit()
        services.update_meeting(tree.users.district_staff, meeting, {"title": "Đổi tên"})
        db.session.commit()
        services.update_meeting(tree.users.district_staff, meeting, {"mode": "online"})
        db.session.commit()
        services.cancel_meeting(tree.users.district_staff, meeting, None)
    finally:
        for event in events.MEETING_CHANGES.values():
            event.disconnect(listener)
    assert heard == ["created", "approved", "updated", "rescheduled", "cancelled"]


def test_join_link_for_online_meetings_only(tree):
    online = book(tree.users.ward_staff, tree.phuc_xa, at(3), mode="online", title="Tập huấn Đề án 06")
    assert online.join_url.startswith("https://meet.hanoi.gov.vn/tap-huan-de-an-06-")
    assert book(tree.users.ward_staff, tree.phuc_xa, at(4)).join_url is None
    services.update_meeting(tree.users.ward_staff, online, {"mode": "in_person"})
    db.session.commit()
    assert online.join_url is None


def test_reads_show_only_public_facts_to_uninvited_units(tree):
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(3), mode="online", participants=["00004"],
                   agenda="Bí mật nội bộ")
    own = serializers.meeting_to_dict(meeting, tree.users.ward_staff)
    assert own["agenda"] == "Bí mật nội bộ" and own["join_url"]
    for outsider in (tree.users.other_ward_staff,):
        seen = serializers.meeting_to_dict(meeting, outsider)
        assert seen["title"] == meeting.title and seen["host_unit"] == "00001"
        assert "agenda" not in seen and "join_url" not in seen and "participants" not in seen
    for insider in (tree.users.district_viewer, tree.users.admin, tree.users.district_admin):
        assert serializers.meeting_to_dict(meeting, insider)["agenda"] == "Bí mật nội bộ"


def test_find_occurrences_is_scoped(tree):
    start, end = at(0, 0), at(10, 23)
    ward = book(tree.users.ward_staff, tree.phuc_xa, at(3))
    invited = book(tree.users.district_staff, tree.ba_dinh, at(4), participants=["00001"])
    book(tree.users.other_ward_staff, tree.hang_bac, at(3))
    truc_bach = book(tree.users.district_admin, tree.truc_bach, at(5))

    def ids(user, **kw):
        return {o.meeting_id for o in queries.find_occurrences(user, start, end, **kw)}

    assert ids(tree.users.ward_staff) == {ward.id, invited.id}
    assert ids(tree.users.district_viewer) == {ward.id, invited.id, truc_bach.id}
    assert len(ids(tree.users.admin)) == 4
    assert ids(tree.users.admin, unit=tree.truc_bach) == {truc_bach.id}
    with pytest.raises(Forbidden):
        queries.find_occurrences(tree.users.ward_staff, start, end, unit=tree.hang_bac)


@pytest.mark.parametrize("change, field, words", [
    ({"rooms": [10 ** 30]}, "rooms", "mã số phòng"),
    ({"rooms": [2 ** 63]}, "rooms", "mã số phòng"),
    ({"rooms": [0]}, "rooms", "mã số phòng"),
    ({"title": "Họp\x00giao ban"}, "title", "ký tự điều khiển"),
    ({"agenda": "1. Báo cáo\x07"}, "agenda", "ký tự điều khiển"),
    ({"start": "9999-12-31T08:00+07:00", "end": "9999-12-31T09:00+07:00"}, "start", "3 năm"),
    ({"start": "1900-01-01T08:00+07:00", "end": "1900-01-01T09:00+07:00"}, "start", "năm 2000"),
])
def test_out_of_range_input_is_refused_and_writes_nothing(tree, change, field, words):
    err = refused(ValidationError, tree.users.ward_staff, {**request_for(tree.phuc_xa, at(3)), **change})
    assert words in err.details["fields"][field]


def test_patch_refuses_unknown_fields_and_records_nothing_for_no_change(tree):
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(3))
    entries = count(AuditEntry)
    with pytest.raises(ValidationError) as info:
        services.update_meeting(tree.users.ward_staff, meeting, {"status": "held", "sequence": 9})
    db.session.rollback()
    assert set(info.value.details["fields"]) == {"status", "sequence"}
    services.update_meeting(tree.users.ward_staff, meeting, {"title": meeting.title})
    db.session.commit()
    assert count(AuditEntry) == entries and db.session.get(Meeting, meeting.id).sequence == 0


def test_moving_a_sitting_far_into_the_future_is_refused(tree):
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(3))
    with pytest.raises(ValidationError) as info:
        services.move_occurrence(tree.users.ward_staff, meeting.occurrences[0],
                                 "9999-12-31T08:00+07:00", "9999-12-31T09:00+07:00")
    db.session.rollback()
    assert "3 năm" in info.value.details["fields"]["start"]


def test_approval_decline_and_cancellation_are_each_audited_with_their_reason(tree, rooms):
    gated = rooms["gated"].id
    approved = book(tree.users.district_staff, tree.ba_dinh, at(3), rooms=[gated])
    # another hour: at(3) and at(4) are the same Monday when today is a Thursday
    declined = book(tree.users.district_staff, tree.ba_dinh, at(4, 10), rooms=[gated])
    # each action is its own request: the service runs it, the caller commits
    services.approve_meeting(tree.users.district_admin, approved, "Đúng kế hoạch")
    db.session.commit()
    services.decline_meeting(tree.users.district_admin, declined, "Phòng đang sửa chữa")
    db.session.commit()
    services.cancel_meeting(tree.users.district_staff, approved, "Lãnh đạo đi công tác")
    db.session.commit()

    def entries(meeting):
        return [(e.action, e.user_id, e.changes.get("reason"), e.changes.get("status"))
                for e in db.session.scalars(sa.select(AuditEntry).where(
                    AuditEntry.object_type == "meeting", AuditEntry.object_id == str(meeting.id),
                    AuditEntry.action != "meeting.create").order_by(AuditEntry.id))]

    admin, staff = tree.users.district_admin.id, tree.users.district_staff.id
    assert entries(approved) == [
        ("meeting.approve", admin, [None, "Đúng kế hoạch"], ["pending", "scheduled"]),
        ("meeting.cancel", staff, [None, "Lãnh đạo đi công tác"], ["scheduled", "cancelled"])]
    assert entries(declined) == [
        ("meeting.decline", admin, [None, "Phòng đang sửa chữa"], ["pending", "cancelled"])]


def test_the_conclusion_of_a_held_meeting_is_recorded_shown_and_audited(tree, client, auth):
    meeting = book(tree.users.ward_staff, tree.phuc_xa, at(-3, 8))  # entered after the fact
    assert meeting.status == "held"
    services.update_meeting(tree.users.ward_staff, meeting,
                            {"conclusion": "Giao Văn phòng hoàn thành báo cáo trước 15/12."})
    db.session.commit()
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "meeting.update")).one()
    assert entry.changes["conclusion"] == ["", "Giao Văn phòng hoàn thành báo cáo trước 15/12."]
    assert db.session.get(Meeting, meeting.id).sequence == 0  # not a change of time or place
    auth.login("vp_phucxa")
    data = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert data["conclusion"] == "Giao Văn phòng hoàn thành báo cáo trước 15/12."
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-testid="conclusion">Giao Văn phòng hoàn thành báo cáo trước 15/12.' in page


def test_every_problem_of_a_booking_is_reported_at_once(tree, create_room):
    """Units without video conference and a room closed at that hour: one refusal naming both,
    so the booker fixes them in one go instead of meeting the second after fixing the first."""
    from datetime import time

    room = create_room(tree.phuc_xa, "Phòng giờ hành chính", open_from=time(7, 30),
                       open_until=time(17, 0))
    db.session.commit()
    err = refused(ValidationError, tree.users.admin,
                  request_for(tree.city, at(3, 16, 30), mode="online", rooms=[room.id],
                              participants=["00001", "00037"]))
    assert "Phường Hàng Bạc" in err.details["fields"]["participants"]
    assert "07:30 đến 17:00" in err.details["fields"]["rooms"]
    assert err.details["units_without_vc"] == ["00037"]
