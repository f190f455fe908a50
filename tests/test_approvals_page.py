"""The approvals page: the bookings waiting for the approver, counted in the menu, each approved
or declined (with a reason) in one click."""
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


def _pending(tree, rooms, hour, title):
    meeting = services.book_meeting(tree.users.district_staff, request_for(
        tree.ba_dinh, at(9, hour), rooms=[rooms["gated"].id], title=title))
    db.session.commit()
    assert meeting.status == "pending"
    return meeting


def test_approver_sees_the_count_and_decides_from_the_list(client, auth, tree, rooms):
    first = _pending(tree, rooms, 8, "Hội nghị sơ kết quý")
    second = _pending(tree, rooms, 14, "Họp tổ công tác")
    auth.login("qt_badinh")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="approvals-count">2' in home

    page = client.get("/approvals").get_data(as_text=True)
    assert "Hội nghị sơ kết quý" in page and "Họp tổ công tác" in page
    assert "Người đặt: vp_badinh" in page

    # declining without a reason is refused and changes nothing
    response = client.post(f"/approvals/{second.id}", data={"decision": "decline", "reason": ""},
                           follow_redirects=True)
    assert "Cần nêu lý do" in response.get_data(as_text=True)
    assert db.session.get(type(second), second.id).status == "pending"

    client.post(f"/approvals/{first.id}", data={"decision": "approve", "reason": ""})
    response = client.post(f"/approvals/{second.id}", follow_redirects=True,
                           data={"decision": "decline", "reason": "Phòng đang sửa chữa"})
    page = response.get_data(as_text=True)
    assert "Đã từ chối “Họp tổ công tác”" in page
    assert 'data-testid="no-approvals"' in page and 'data-testid="approvals-count"' not in page
    db.session.expire_all()
    assert db.session.get(type(first), first.id).status == "scheduled"
    declined = db.session.get(type(second), second.id)
    assert declined.status == "cancelled" and declined.decision_reason == "Phòng đang sửa chữa"


def test_only_approvers_reach_the_page(client, auth, tree, rooms):
    _pending(tree, rooms, 8, "Hội nghị sơ kết quý")
    auth.login("vp_badinh")
    assert client.get("/approvals").status_code == 403
    assert "approvals-count" not in client.get("/").get_data(as_text=True)
    auth.logout()
    # a ward's admin manages no gated room: the page is empty for them
    auth.login("qt_phucxa")
    page = client.get("/approvals").get_data(as_text=True)
    assert "Hội nghị sơ kết quý" not in page and 'data-testid="no-approvals"' in page
    response = client.post("/approvals/1", data={"decision": "approve"}, follow_redirects=True)
    assert "không có quyền" in response.get_data(as_text=True)


def test_the_menu_reads_its_counts_in_one_statement(client, auth, tree, rooms, app):
    """The approvals waiting and the bell's unread notifications, on every page: one statement
    for both (each was its own, and the approvals count read every room)."""
    import re

    import sqlalchemy as sa
    from flask import g

    from scheduler.notifications.models import Notification

    _pending(tree, rooms, 8, "Hội nghị sơ kết quý")
    approver = tree.users.district_admin
    db.session.add_all([Notification(user_id=approver.id, kind="reminder", title=f"Nhắc {n}")
                        for n in range(3)])
    db.session.commit()
    auth.login("qt_badinh")
    seen = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        g.pop("_login_user", None)
        html = client.get("/units").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert 'data-testid="approvals-count">1' in html
    unread = Notification.unread_count(approver.id)  # the three, and any the booking sent
    assert unread >= 3 and re.search(rf'data-testid="unread-badge">{unread}<', html)
    counting = [s for s in seen if "notification" in s or "requires_approval" in s]
    assert len(counting) == 1, counting
