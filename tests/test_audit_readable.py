"""The audit log reads like a clerk's note: actions and fields by their labels, units and rooms
by name, times in Hà Nội, and what a list gained or lost."""
import re

from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


def _row(page: str, action: str) -> str:
    match = re.search(rf'<tr data-entry="\d+" data-action="{re.escape(action)}">(.*?)</tr>', page, re.S)
    assert match, action
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_a_meeting_change_reads_with_labels_names_local_times_and_a_diff(tree, client, auth, rooms):
    staff = tree.users.district_staff
    meeting = services.book_meeting(staff, request_for(
        tree.ba_dinh, at(10, 15), category="trien_khai", rooms=[rooms["ba_dinh"].id],
        participants=["00001"], title="Họp triển khai"))
    db.session.commit()
    services.update_meeting(staff, meeting, {
        "category": "tong_ket", "start": at(10, 16).isoformat(), "end": at(10, 17).isoformat(),
        "participants": ["00001", "00004"]})
    db.session.commit()
    auth.login("admin")
    response = client.get("/audit")
    page = response.get_data(as_text=True)
    row = _row(page, "meeting.update")
    assert "Sửa cuộc họp" in row
    assert "Loại cuộc họp" in row and "Họp triển khai nhiệm vụ công tác" in row
    assert "Hội nghị tổng kết" in row and "trien_khai" not in row
    local_start = at(10, 16).strftime("16:00 %d/%m/%Y")
    assert "Bắt đầu" in row and local_start in row and "+00:00" not in row
    assert "Đơn vị tham dự" in row and "thêm: Phường Trúc Bạch" in row and "Phường Phúc Xá" not in row
    created = _row(page, "meeting.create")
    assert "Đặt lịch họp" in created and "Hội trường quận" in created and "Quận Ba Đình" in created
    assert "[" not in created  # no raw lists
    # the filter offers the actions by their labels
    assert '<option value="meeting.update" >Sửa cuộc họp</option>' in page

    detail = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    history = re.search(r'data-testid="history">(.*?)</ol>', detail, re.S).group(1)
    assert "Sửa cuộc họp" in history and "thêm: Phường Trúc Bạch" in history


def test_a_room_change_reads_in_plain_words(tree, client, auth, create_room):
    from tests.management_forms import room_form

    auth.login("qt_badinh")
    client.post("/rooms/new", data=room_form(tree.ba_dinh, name="Phòng 1", requires_approval="y"))
    room_id = db.session.execute(db.text("SELECT id FROM room")).scalar()
    client.post(f"/rooms/{room_id}/edit", data=room_form(tree.ba_dinh, name="Phòng 1",
                                                         open_from="08:00"))
    auth.logout()
    auth.login("admin")
    row = _row(client.get("/audit").get_data(as_text=True), "room.update")
    assert "Sửa phòng họp" in row and "Cần phê duyệt" in row and "có → không" in row
    assert "Mở cửa từ" in row and "07:30 → 08:00" in row
