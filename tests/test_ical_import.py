"""Importing a .ics file: every event booked through the booking service, all or nothing per
file: a file with any refused event writes nothing and says why for each such event."""
import io
from datetime import timedelta

import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.meetings.models import Meeting
from scheduler.rooms.models import Room
from tests.booking_helpers import book_with_guests, on, working_monday


def ics_stamp(value) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def calendar(*events: str) -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Outlook//VI", *events,
                        "END:VCALENDAR"]) + "\r\n"
    return body.encode()


def vevent(uid, summary, start, end, *extra) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
                        f"DTSTART;TZID=Asia/Ho_Chi_Minh:{ics_stamp(start)}",
                        f"DTEND;TZID=Asia/Ho_Chi_Minh:{ics_stamp(end)}",
                        f"SUMMARY:{summary}", *extra, "END:VEVENT"])


def upload(client, data: bytes, name="lich.ics"):
    return client.post("/calendar/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def meetings():
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at)))


def test_import_books_each_event_and_reports_refusals(client, auth, contacts):
    hall = Room(unit=contacts.phuc_xa, name="Phòng họp 1", capacity=20)
    db.session.add(hall)
    db.session.commit()
    day = working_monday()
    taken = book_with_guests(contacts, rooms=[hall.id], title="Đã có", participants=[],
                 start=on(day, 14).isoformat(), end=on(day, 15).isoformat())
    data = calendar(
        vevent("a@outlook", "Họp chi bộ\\, tháng 12", on(day, 8), on(day, 9),
               "DESCRIPTION:Nội dung 1\\nNội dung 2", "LOCATION:Phòng họp 1"),
        vevent("b@outlook", "Trùng phòng", on(day, 14, 30), on(day, 15, 30), "LOCATION:Phòng họp 1"),
        vevent("c@google", "Họp trực tuyến", on(day + timedelta(days=1), 9), on(day + timedelta(days=1), 10),
               "URL:https://meet.example.vn/abc", "X-LICHHOP-CATEGORY:tap_huan"),
        vevent("d@outlook", "Giao ban tuần", on(day, 7), on(day, 7, 30),
               "RRULE:FREQ=WEEKLY;COUNT=3", f"ATTENDEE;CN=Trúc Bạch:mailto:TRUCBACH@hanoi.gov.vn"),
        "\r\n".join(["BEGIN:VEVENT", "UID:e@x", "DTSTART;VALUE=DATE:20270101",
                     "SUMMARY:Nghỉ Tết", "END:VEVENT"]),
    )
    auth.login("vp_phucxa")
    resp = upload(client, data)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Chưa nhập gì: 2 sự kiện bị từ chối" in page and "3 sự kiện còn lại hợp lệ." in page
    assert "Trùng lịch với: Đã có" in page
    assert "Sự kiện cả ngày" in page
    refused = page.split('data-testid="refused"')[1]
    assert "Trùng phòng" in refused and "Nghỉ Tết" in refused and "Họp chi bộ" not in refused
    assert [m.title for m in meetings()] == ["Đã có"]  # nothing written, not even the good three

    # the same file without the two bad events is booked whole
    good = calendar(
        vevent("a@outlook", "Họp chi bộ\\, tháng 12", on(day, 8), on(day, 9),
               "DESCRIPTION:Nội dung 1\\nNội dung 2", "LOCATION:Phòng họp 1"),
        vevent("c@google", "Họp trực tuyến", on(day + timedelta(days=1), 9), on(day + timedelta(days=1), 10),
               "URL:https://meet.example.vn/abc", "X-LICHHOP-CATEGORY:tap_huan"),
        vevent("d@outlook", "Giao ban tuần", on(day, 7), on(day, 7, 30),
               "RRULE:FREQ=WEEKLY;COUNT=3", f"ATTENDEE;CN=Trúc Bạch:mailto:TRUCBACH@hanoi.gov.vn"))
    resp = upload(client, good)
    assert resp.status_code == 200
    assert "Đã tạo 3 cuộc họp, từ chối 0 sự kiện." in resp.get_data(as_text=True)
    by_title = {m.title: m for m in meetings()}
    assert set(by_title) == {"Đã có", "Họp chi bộ, tháng 12", "Họp trực tuyến", "Giao ban tuần"}
    first = by_title["Họp chi bộ, tháng 12"]
    assert (first.category, first.mode, first.host_unit_id) == ("khac", "in_person", contacts.phuc_xa.id)
    assert first.agenda == "Nội dung 1\nNội dung 2"
    assert [r.id for r in first.rooms] == [hall.id]
    assert first.start_at == on(day, 8)
    online = by_title["Họp trực tuyến"]
    assert (online.mode, online.category) == ("online", "tap_huan")
    series = by_title["Giao ban tuần"]
    assert len(series.occurrences) == 3
    assert [u.code for u in series.participants] == ["00004"]
    assert taken.title == "Đã có"


def test_bad_files_write_nothing(client, auth, contacts):
    auth.login("vp_phucxa")
    for data, message in [
        (b"", "Tệp trống"),
        (b"hello world", "không phải tệp lịch"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "không có sự kiện"),
        (b"BEGIN:VCALENDAR\r\n\xff\xfe garbage\r\nEND:VCALENDAR\r\n", "Không đọc được tệp lịch"),
    ]:
        resp = upload(client, data)
        assert resp.status_code in (400, 422), data
        assert message in resp.get_data(as_text=True), data
    assert meetings() == []


def test_an_unreadable_event_refuses_the_whole_file(client, auth, contacts):
    """The first event is good, the second broken: nothing is booked (no half-imported
    file), and the page names the broken event — no 500."""
    day = working_monday()
    broken = "\r\n".join(["BEGIN:VEVENT", "UID:z@x", "DTSTART:notadate", "SUMMARY:Hỏng",
                           "END:VEVENT"])
    auth.login("vp_phucxa")
    resp = upload(client, calendar(vevent("y@x", "Tốt", on(day, 8), on(day, 9)), broken))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Chưa nhập gì: 1 sự kiện bị từ chối" in page
    assert "Không đọc được sự kiện" in page
    assert meetings() == []


def test_reimporting_an_exported_meeting_is_refused(client, auth, contacts):
    meeting = book_with_guests(contacts)
    auth.login("vp_phucxa")
    exported = client.get(f"/api/v1/meetings/{meeting.id}/invite.ics").data
    page = upload(client, exported).get_data(as_text=True)
    assert "Chưa nhập gì: 1 sự kiện bị từ chối" in page
    assert "cùng UID" in page
    assert len(meetings()) == 1


def test_viewer_cannot_import(client, auth, contacts):
    auth.login("xem_badinh")
    day = working_monday()
    resp = upload(client, calendar(vevent("x@y", "Họp", on(day, 8), on(day, 9))))
    assert resp.status_code == 403
    assert meetings() == []


def week(day, n: int):
    return day + timedelta(weeks=n)


def test_importing_the_same_file_again_books_nothing_twice(client, auth, contacts):
    day = working_monday()
    data = calendar(vevent("a@outlook", "Họp chi bộ", on(day, 8), on(day, 9)),
                    vevent("b@outlook", "Giao ban", on(day, 10), on(day, 11),
                           "RRULE:FREQ=WEEKLY;COUNT=2"))
    auth.login("vp_phucxa")
    assert "Đã tạo 2 cuộc họp, từ chối 0 sự kiện." in upload(client, data).get_data(as_text=True)
    assert {m.source_uid for m in meetings()} == {"a@outlook", "b@outlook"}
    page = upload(client, data).get_data(as_text=True)
    assert "Chưa nhập gì: 2 sự kiện bị từ chối" in page
    assert page.count("cùng UID") == 2
    assert len(meetings()) == 2
    # a meeting cancelled since may be booked again from the file
    from scheduler.meetings import services

    services.cancel_meeting(contacts.users.ward_staff,
                            [m for m in meetings() if m.source_uid == "a@outlook"][0])
    db.session.commit()
    assert "Chưa nhập gì: 1 sự kiện bị từ chối" in upload(client, data).get_data(as_text=True)
    assert sorted(m.status for m in meetings() if m.source_uid == "a@outlook") == ["cancelled"]
    # the event still in the calendar left out, the cancelled one comes back
    again = calendar(vevent("a@outlook", "Họp chi bộ", on(day, 8), on(day, 9)))
    assert "Đã tạo 1 cuộc họp, từ chối 0 sự kiện." in upload(client, again).get_data(as_text=True)
    assert sorted(m.status for m in meetings() if m.source_uid == "a@outlook") == [
        "cancelled", "scheduled"]


def test_a_second_event_with_the_same_uid_in_one_file_is_refused(client, auth, contacts):
    day = working_monday()
    data = calendar(vevent("a@outlook", "Họp chi bộ", on(day, 8), on(day, 9)),
                    vevent("a@outlook", "Họp chi bộ (bản sao)", on(day, 14), on(day, 15)))
    auth.login("vp_phucxa")
    page = upload(client, data).get_data(as_text=True)
    assert "Chưa nhập gì: 1 sự kiện bị từ chối" in page
    assert "Trùng UID với sự kiện #1 trong cùng tệp." in page
    assert meetings() == []


def override(uid, original, start, end, *extra) -> str:
    return vevent(uid, "Giao ban tuần", start, end,
                  f"RECURRENCE-ID;TZID=Asia/Ho_Chi_Minh:{ics_stamp(original)}", *extra)


def test_moved_and_cancelled_sittings_of_a_series_are_applied(client, auth, contacts):
    """What Outlook and Google write for a series with one sitting moved and one cancelled:
    the master with its RRULE and one VEVENT per changed sitting (here before the master)."""
    day = working_monday()
    moved_to = week(day, 1) + timedelta(days=1)
    data = calendar(
        override("s@outlook", on(week(day, 1), 8), on(moved_to, 14), on(moved_to, 15, 30)),
        override("s@outlook", on(week(day, 2), 8), on(week(day, 2), 8), on(week(day, 2), 9),
                 "STATUS:CANCELLED"),
        vevent("s@outlook", "Giao ban tuần", on(day, 8), on(day, 9), "RRULE:FREQ=WEEKLY;COUNT=4"),
    )
    auth.login("vp_phucxa")
    page = upload(client, data).get_data(as_text=True)
    assert "Đã tạo 1 cuộc họp, từ chối 0 sự kiện." in page
    assert "Đã áp dụng 2 thay đổi của buổi họp trong chuỗi." in page
    assert "dời buổi 08:00 " in page and "hủy buổi 08:00 " in page
    [series] = meetings()
    sittings = {o.original_start: o for o in series.occurrences}
    assert (sittings[on(week(day, 1), 8)].start_at, sittings[on(week(day, 1), 8)].end_at) == (
        on(moved_to, 14), on(moved_to, 15, 30))
    assert sittings[on(week(day, 2), 8)].status == "cancelled"
    assert [o.status for o in series.occurrences].count("scheduled") == 3


def test_overrides_that_cannot_be_applied_are_refused_with_the_reason(client, auth, contacts):
    hall = Room(unit=contacts.phuc_xa, name="Phòng họp 1", capacity=20)
    db.session.add(hall)
    db.session.commit()
    day = working_monday()
    tuesday = week(day, 1) + timedelta(days=1)
    book_with_guests(contacts, rooms=[hall.id], title="Đã có", participants=[],
         start=on(tuesday, 14).isoformat(), end=on(tuesday, 15).isoformat())
    data = calendar(
        vevent("s@x", "Giao ban tuần", on(day, 8), on(day, 9), "RRULE:FREQ=WEEKLY;COUNT=3",
               "LOCATION:Phòng họp 1"),
        override("s@x", on(week(day, 1), 8), on(tuesday, 14, 30), on(tuesday, 15, 30)),
        override("s@x", on(week(day, 2), 9), on(week(day, 2), 10), on(week(day, 2), 11)),
        override("lone@x", on(day, 8), on(day, 10), on(day, 11)),
    )
    auth.login("vp_phucxa")
    page = upload(client, data).get_data(as_text=True)
    assert "Chưa nhập gì: 3 sự kiện bị từ chối" in page
    assert "Trùng lịch với: Đã có" in page
    # the meeting in the way, listed under the reason
    assert "Đã có" in page.split('data-testid="import-conflicts"')[1].split("</ul>")[0]
    assert f"Chuỗi không có buổi họp nào vào 09:00 {week(day, 2):%d/%m/%Y}." in page
    assert "Đây là thay đổi của một buổi trong chuỗi; hãy nhập cả chuỗi." in page
    assert [m.title for m in meetings()] == ["Đã có"]
    # the master refused (already imported): its overrides are refused with it
    upload(client, calendar(vevent("s@x", "Giao ban tuần", on(day, 8), on(day, 9),
                                   "RRULE:FREQ=WEEKLY;COUNT=3", "LOCATION:Phòng họp 1")))
    page = upload(client, data).get_data(as_text=True)
    assert page.count("Chuỗi gốc (sự kiện #1) không được tạo") == 2
