"""The paperless parts on the meeting page and around it: the panel with its forms, the agenda
in the invite and in the printed weekly schedule, the printed minutes and conclusion notice in
the official form, the overdue list."""
import io
from datetime import timedelta

import icalendar

from scheduler.core.timeutil import to_local, today_local
from scheduler.extensions import db
from scheduler.paperless.models import Ballot, MeetingDocument, Vote
from tests.conftest import count
from tests.paperless_helpers import PDF_BYTES

AGENDA = "Báo cáo tình hình quý IV | Phó Chủ tịch | 30\nKế hoạch năm 2027 | Văn phòng | 45\n"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def detail(client, p) -> str:
    return page(client.get(f"/meetings/{p.id}"))


def test_host_runs_the_paperless_meeting_from_its_page(client, auth, paperless):
    p = paperless
    auth.login("vp_phucxa")
    client.post(f"/meetings/{p.id}/agenda", data={"items": AGENDA})
    html = detail(client, p)
    assert "Báo cáo tình hình quý IV" in html and "Phó Chủ tịch" in html and "30 phút" in html
    done = client.post(f"/meetings/{p.id}/documents", data={
        "file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "Đã tải lên tài liệu." in page(done) and "bao-cao.pdf" in page(done)
    refused = client.post(f"/meetings/{p.id}/documents", data={
        "file": (io.BytesIO(b"MZ\x90\x00" * 50), "virus.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "Chỉ nhận tài liệu PDF, DOCX, XLSX hoặc PPTX" in page(refused)
    assert count(MeetingDocument) == 1
    client.post(f"/meetings/{p.id}/attendance/00004", data={
        "status": "present_online", "person": "Chủ tịch", "substitute": "Phó Chủ tịch Lan"})
    refused = page(client.post(f"/meetings/{p.id}/attendance/00001", data={"status": "absent"},
                               follow_redirects=True))
    assert "Vắng mặt phải có lý do." in refused
    html = detail(client, p)
    assert 'data-count="present_online">1<' in html and 'data-count="substitutes">1<' in html
    client.post(f"/meetings/{p.id}/votes", data={"question": "Thông qua kế hoạch năm 2027"})
    vote = db.session.scalars(db.select(Vote)).one()
    client.post(f"/votes/{vote.id}/ballots", data={"choice": "dong_y"})
    again = page(client.post(f"/votes/{vote.id}/ballots", data={"choice": "phieu_trang"},
                             follow_redirects=True))
    assert "mỗi người chỉ một phiếu" in again
    closed = page(client.post(f"/votes/{vote.id}/close", follow_redirects=True))
    assert "Đã kết thúc biểu quyết." in closed and "(100.0%)" in closed
    assert count(Ballot) == 1


def test_other_units_see_no_panel_and_cannot_write(client, auth, paperless):
    p = paperless
    auth.login("vp_hangbac")
    html = detail(client, p)
    assert 'data-testid="paperless"' not in html
    assert client.post(f"/meetings/{p.id}/votes", data={"question": "x"}).status_code == 403
    assert client.get(f"/meetings/{p.id}/minutes/print").status_code == 403


def test_the_invited_unit_downloads_and_the_host_sees_who_opened(client, auth, paperless):
    p = paperless
    auth.login("vp_phucxa")
    client.post(f"/meetings/{p.id}/documents", data={"file": (io.BytesIO(PDF_BYTES), "du-thao.pdf")},
                content_type="multipart/form-data")
    document = db.session.scalars(db.select(MeetingDocument)).one()
    auth.logout()
    auth.login("vp_trucbach")
    assert 'data-testid="opened-by"' not in detail(client, p)
    client.get(f"/api/v1/documents/{document.id}").close()
    auth.logout()
    auth.login("vp_phucxa")
    assert "Lê Văn Bình (" in detail(client, p)


def test_printed_minutes_and_conclusion_in_the_official_form(client, auth, paperless):
    p = paperless
    auth.login("vp_phucxa")
    client.post(f"/meetings/{p.id}/agenda", data={"items": AGENDA})
    client.post(f"/meetings/{p.id}/attendance/00004", data={
        "status": "present_in_person", "person": "Chủ tịch", "substitute": "Phó Chủ tịch Lan"})
    client.post(f"/meetings/{p.id}/votes", data={"question": "Thông qua kế hoạch"})
    vote = db.session.scalars(db.select(Vote)).one()
    client.post(f"/votes/{vote.id}/ballots", data={"choice": "dong_y"})
    client.post(f"/votes/{vote.id}/close")
    saved = page(client.post(f"/meetings/{p.id}/minutes", data={
        "secretary": "Nguyễn Thư Ký", "discussion": "Thảo luận sôi nổi.",
        "conclusions": "Giao Văn phòng hoàn thiện kế hoạch.", "conclusion_issued": "1"},
        follow_redirects=True))
    assert "Đã lưu biên bản." in saved
    minutes = page(client.get(f"/meetings/{p.id}/minutes/print"))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in minutes and "Độc lập - Tự do - Hạnh phúc" in minutes
    # dated the day the notice was issued, the official way
    issued = today_local()
    dateline = f"Hà Nội, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"
    assert dateline in minutes
    assert "BIÊN BẢN" in minutes and "Nguyễn Thư Ký" in minutes and "dự thay: Phó Chủ tịch Lan" in minutes
    assert "Đồng ý 1/1 (100.0%)" in minutes and "Kế hoạch năm 2027" in minutes
    notice = page(client.get(f"/meetings/{p.id}/conclusion/print"))
    assert "THÔNG BÁO" in notice and "Giao Văn phòng hoàn thiện kế hoạch." in notice
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in notice
    assert dateline in notice


def test_agenda_items_in_the_invite_and_the_weekly_schedule(client, auth, paperless):
    p = paperless
    auth.login("vp_phucxa")
    client.post(f"/meetings/{p.id}/agenda", data={"items": AGENDA})
    invite = client.get(f"/api/v1/meetings/{p.id}/invite.ics")
    event = next(c for c in icalendar.Calendar.from_ical(invite.data).walk("VEVENT"))
    description = str(event["DESCRIPTION"])
    assert "1. Báo cáo tình hình quý IV (Phó Chủ tịch, 30 phút)" in description
    assert "2. Kế hoạch năm 2027 (Văn phòng, 45 phút)" in description
    assert "Tình hình tuần" not in description  # the free-text agenda gives way to the items
    day = to_local(p.meeting.start_at).date()
    schedule = page(client.get(f"/meetings/schedule?unit=00001&date={day.isoformat()}"))
    assert 'data-testid="schedule-agenda"' in schedule and "Kế hoạch năm 2027 (Văn phòng)" in schedule


def test_overdue_conclusions_are_listed_for_the_host(client, auth, paperless, tree):
    p = paperless
    meeting = db.session.get(type(p.meeting), p.id)
    for attr in ("start_at", "end_at"):
        setattr(meeting, attr, getattr(meeting, attr) - timedelta(days=40))
    meeting.status = "held"
    db.session.commit()
    auth.login("vp_phucxa")
    assert p.meeting.title in page(client.get("/paperless/overdue"))
    auth.logout()
    auth.login("vp_hangbac")
    assert p.meeting.title not in page(client.get("/paperless/overdue"))
    auth.logout()
    auth.login("admin")
    assert p.meeting.title in page(client.get("/paperless/overdue"))
