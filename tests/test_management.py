"""Management pages: rooms, endpoints, users, unit contacts, the audit log and the read-only
rooms/endpoints API. Each write is checked for its audit entry; bad input for changing nothing."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.auth.models import User
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.rooms.models import Room
from tests.conftest import count
from tests.management_forms import audit_entries, contacts_form, endpoint_form, room_form, user_form


def page(response) -> str:
    return response.get_data(as_text=True)


# -- rooms ------------------------------------------------------------------------------------
def test_unit_admin_creates_a_room_in_a_child_ward_and_it_is_audited(tree, client, auth):
    auth.login("qt_badinh")
    response = client.post("/rooms/new", data=room_form(tree.phuc_xa))
    assert response.status_code == 302
    room = db.session.scalars(sa.select(Room)).one()
    assert (room.unit_id, room.capacity, room.paperless, room.has_endpoint, room.requires_approval) == (
        tree.phuc_xa.id, 40, True, True, False)
    assert room.open_from.isoformat() == "07:30:00" and room.max_advance_days == 60
    entry = audit_entries("room.create")[0]
    assert (entry.user_id, entry.unit_id, entry.object_id) == (
        tree.users.district_admin.id, tree.phuc_xa.id, str(room.id))
    assert entry.changes["capacity"] == 40 and entry.changes["unit"] == "00001"
    listing = page(client.get("/rooms"))
    assert "Phòng họp trực tuyến" in listing and "Phường Phúc Xá" in listing


def test_room_edit_records_only_the_changed_fields(tree, client, auth, create_room):
    room = create_room(tree.phuc_xa, "Phòng họp tầng 2", capacity=30)
    db.session.commit()
    auth.login("qt_phucxa")
    form = room_form(tree.phuc_xa, name="Phòng họp tầng 2", capacity="45", paperless=None,
                     has_endpoint=None, open_from="", open_until="", max_duration_minutes="",
                     max_advance_days="")
    assert client.post(f"/rooms/{room.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert room.capacity == 45
    entry = audit_entries("room.update")[0]
    assert entry.changes == {"capacity": [30, 45]}
    assert entry.user_id == tree.users.ward_admin.id and entry.unit_id == tree.phuc_xa.id


@pytest.mark.parametrize("field, value, message", [
    ("capacity", "-5", "Giá trị phải từ 0 đến 10000."),
    ("capacity", "nhiều", "Giá trị phải là số nguyên."),
    ("name", "", "Trường này là bắt buộc."),
    ("open_from", "25:00", "Giờ không hợp lệ (HH:MM)."),
    ("max_duration_minutes", "0", "Giá trị phải từ 1 đến 1440."),
])
def test_bad_room_input_gives_the_form_back_and_writes_nothing(tree, client, auth, field, value, message):
    auth.login("qt_badinh")
    response = client.post("/rooms/new", data=room_form(tree.ba_dinh, **{field: value}))
    assert response.status_code == 422
    assert message in page(response)
    assert 'id="%s"' % field in page(response) and "is-invalid" in page(response)
    assert count(Room) == 0 and count(AuditEntry) == 0


def test_room_opening_hours_must_be_ordered(tree, client, auth, create_room):
    room = create_room(tree.ba_dinh, "Hội trường", capacity=100)
    db.session.commit()
    auth.login("qt_badinh")
    response = client.post(f"/rooms/{room.id}/edit",
                           data=room_form(tree.ba_dinh, open_from="17:00", open_until="08:00"))
    assert response.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu." in page(response)
    db.session.expire_all()
    assert room.name == "Hội trường" and room.open_from is None and count(AuditEntry) == 0


def test_deactivating_and_reactivating_a_room(tree, client, auth, create_room):
    room = create_room(tree.truc_bach, "Phòng Trúc Bạch")
    db.session.commit()
    auth.login("qt_badinh")
    assert client.post(f"/rooms/{room.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert room.active is False
    assert [r["name"] for r in client.get("/api/v1/rooms").get_json()["rooms"]] == []
    client.post(f"/rooms/{room.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert room.active is True
    assert [e.action for e in audit_entries()] == ["room.deactivate", "room.reactivate"]


def test_room_list_is_limited_to_the_subtree(tree, client, auth, create_room):
    create_room(tree.phuc_xa, "Phòng Phúc Xá")
    create_room(tree.hang_bac, "Phòng Hàng Bạc")
    db.session.commit()
    auth.login("qt_badinh")
    listing = page(client.get("/rooms"))
    assert "Phòng Phúc Xá" in listing and "Phòng Hàng Bạc" not in listing
    assert client.get("/rooms?unit=00037").status_code == 403


# -- endpoints --------------------------------------------------------------------------------
def test_endpoint_create_accepts_vietnamese_and_iso_dates(tree, client, auth):
    auth.login("qt_badinh")
    assert client.post("/endpoints/new", data=endpoint_form(tree.truc_bach, protocol="h323")).status_code == 302
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.name == "Điểm cầu hội trường")).one()
    assert endpoint.wan_connected_on == date(2018, 3, 15) and endpoint.vc_deployed_on == date(2019, 6, 1)
    assert endpoint.protocol == "h323" and endpoint.state == "unknown"
    entry = audit_entries("endpoint.create")[0]
    assert entry.unit_id == tree.truc_bach.id and entry.changes["wan_connected_on"] == "2018-03-15"


@pytest.mark.parametrize("field, value, message", [
    ("port", "70000", "Giá trị phải từ 1 đến 65535."),
    ("port", "0", "Giá trị phải từ 1 đến 65535."),
    ("protocol", "skype", "Lựa chọn không hợp lệ."),
    ("wan_connected_on", "31/02/2024", "Ngày không hợp lệ (dd/mm/yyyy)."),
    ("host", "127.0.0.1; rm -rf", "Địa chỉ không hợp lệ"),
])
def test_bad_endpoint_input_changes_nothing(tree, client, auth, field, value, message):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    before = (endpoint.name, endpoint.host, endpoint.port, endpoint.protocol, endpoint.wan_connected_on)
    auth.login("qt_phucxa")
    response = client.post(f"/endpoints/{endpoint.id}/edit",
                           data=endpoint_form(tree.phuc_xa, name="Không được lưu", **{field: value}))
    assert response.status_code == 422
    assert message in page(response)
    db.session.expire_all()
    assert (endpoint.name, endpoint.host, endpoint.port, endpoint.protocol,
            endpoint.wan_connected_on) == before
    assert count(AuditEntry) == 0


def test_endpoint_list_shows_live_state_and_filters_by_state(tree, client, auth):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    endpoint.state, endpoint.last_checked = "unreachable", datetime(2026, 3, 2, 1, 5, tzinfo=timezone.utc)
    db.session.commit()
    auth.login("qt_badinh")
    listing = page(client.get("/endpoints?state=unreachable"))
    assert "Mất kết nối" in listing and "08:05 02/03/2026" in listing
    assert listing.count("data-endpoint=") == 1
    assert page(client.get("/endpoints")).count("data-endpoint=") == 3  # Ba Đình and its two wards


def test_changing_an_endpoints_address_resets_its_live_state(tree, client, auth):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    endpoint.state, endpoint.last_checked = "reachable", datetime(2026, 3, 2, tzinfo=timezone.utc)
    db.session.commit()
    auth.login("qt_phucxa")
    client.post(f"/endpoints/{endpoint.id}/edit", data=endpoint_form(tree.phuc_xa, host="127.0.9.9"))
    db.session.expire_all()
    assert endpoint.host == "127.0.9.9" and endpoint.state == "unknown" and endpoint.last_checked is None
    assert audit_entries("endpoint.update")[0].changes["host"] == ["127.0.0.2", "127.0.9.9"]


# -- users ------------------------------------------------------------------------------------
def test_unit_admin_creates_a_user_who_can_sign_in(tree, client, auth):
    auth.login("qt_badinh")
    assert client.post("/users/new", data=user_form(tree.truc_bach)).status_code == 302
    user = db.session.scalars(sa.select(User).where(User.username == "canbo_moi")).one()
    assert (user.role, user.unit_id, user.full_name) == ("staff", tree.truc_bach.id, "Trần Thị Mới")
    entry = audit_entries("user.create")[0]
    assert entry.user_id == tree.users.district_admin.id and entry.unit_id == tree.truc_bach.id
    auth.logout()
    assert auth.login("canbo_moi", "matkhaumoi1").status_code == 302


def test_unit_admin_may_not_grant_admin(tree, client, auth):
    auth.login("qt_badinh")
    assert "Quản trị hệ thống" not in page(client.get("/users/new")).split('id="role"')[1].split("</select>")[0]
    response = client.post("/users/new", data=user_form(tree.phuc_xa, role="admin"))
    assert response.status_code == 403
    response = client.post(f"/users/{tree.users.ward_staff.id}/edit",
                           data=user_form(tree.phuc_xa, role="admin", full_name="Lên quyền"))
    assert response.status_code == 403
    db.session.expire_all()
    assert tree.users.ward_staff.role == "staff" and count(AuditEntry) == 0
    assert not db.session.scalar(sa.select(User.id).where(User.username == "canbo_moi"))


def test_user_list_is_scoped_and_filtered(tree, client, auth):
    auth.login("qt_badinh")
    listing = page(client.get("/users"))
    assert 'data-user="vp_phucxa"' in listing and 'data-user="qt_badinh"' in listing
    assert 'data-user="vp_hangbac"' not in listing and 'data-user="admin"' not in listing
    wards = page(client.get("/users?unit=00001"))
    assert 'data-user="vp_phucxa"' in wards and 'data-user="vp_badinh"' not in wards
    admins = page(client.get("/users?role=unit_admin"))
    assert 'data-user="qt_phucxa"' in admins and 'data-user="vp_phucxa"' not in admins
    assert page(client.get("/users?q=xem_")).count("data-user=") == 1


def test_edit_deactivate_and_reset_password(tree, client, auth):
    staff = tree.users.ward_staff
    auth.login("qt_badinh")
    response = client.post(f"/users/{staff.id}/edit", data=user_form(
        tree.truc_bach, role="viewer", full_name="Phạm Văn Xem", email=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert (staff.role, staff.unit_id, staff.full_name) == ("viewer", tree.truc_bach.id, "Phạm Văn Xem")
    changes = audit_entries("user.update")[0].changes
    assert changes["role"] == ["staff", "viewer"] and changes["unit_id"] == [tree.phuc_xa.id, tree.truc_bach.id]

    assert client.post(f"/users/{staff.id}/password",
                       data={"password": "matkhau-moi-2", "confirm": "matkhau-moi-2"}).status_code == 302
    assert client.post(f"/users/{staff.id}/active", data={"active": "0"}).status_code == 302
    assert [e.action for e in audit_entries()][-2:] == ["user.reset_password", "user.deactivate"]
    auth.logout()
    assert auth.login("vp_phucxa", "matkhau-moi-2").status_code == 401  # deactivated
    auth.login("qt_badinh")
    client.post(f"/users/{staff.id}/active", data={"active": "1"})
    auth.logout()
    assert auth.login("vp_phucxa", "matkhau123").status_code == 401  # the old password is gone
    assert auth.login("vp_phucxa", "matkhau-moi-2").status_code == 302


def test_bad_user_input_changes_nothing(tree, client, auth):
    auth.login("qt_badinh")
    short = client.post("/users/new", data=user_form(tree.phuc_xa, password="ngan", confirm="ngan"))
    assert short.status_code == 422 and "Độ dài phải từ 8 đến 200 ký tự." in page(short)
    taken = client.post("/users/new", data=user_form(tree.phuc_xa, username="vp_phucxa"))
    assert taken.status_code == 422 and "Tên đăng nhập vp_phucxa đã có." in page(taken)
    bad_email = client.post("/users/new", data=user_form(tree.phuc_xa, email="khong-phai-email"))
    assert bad_email.status_code == 422 and "Địa chỉ e-mail không hợp lệ." in page(bad_email)
    self_lock = client.post(f"/users/{tree.users.district_admin.id}/active", data={"active": "0"})
    assert self_lock.status_code == 422
    db.session.expire_all()
    assert tree.users.district_admin.active and count(User) == 8 and count(AuditEntry) == 0


def test_unit_admin_cannot_touch_an_admin_account(tree, client, auth, create_user):
    ward_root = create_user("admin_phucxa", "admin", tree.phuc_xa)
    db.session.commit()
    auth.login("qt_badinh")
    assert client.post(f"/users/{ward_root.id}/active", data={"active": "0"}).status_code == 403
    assert client.post(f"/users/{ward_root.id}/password",
                       data={"password": "chiemquyen1", "confirm": "chiemquyen1"}).status_code == 403
    db.session.expire_all()
    assert ward_root.active and ward_root.check_password("matkhau123")


# -- unit page and contacts ---------------------------------------------------------------------
def test_contacts_are_edited_audited_and_shown_on_the_unit_page(tree, client, auth, create_room):
    create_room(tree.phuc_xa, "Phòng họp Phúc Xá")
    db.session.commit()
    auth.login("qt_phucxa")
    response = client.post(f"/units/{tree.phuc_xa.id}/contacts", data=contacts_form())
    assert response.status_code == 302
    entry = audit_entries("unit.contacts")[0]
    assert entry.changes["email"] == ["phucxa@hanoi.gov.vn", "vanthu@hanoi.gov.vn"]
    assert entry.user_id == tree.users.ward_admin.id and entry.unit_id == tree.phuc_xa.id
    detail = page(client.get(f"/units/{tree.phuc_xa.id}"))
    for text in ("vanthu@hanoi.gov.vn", "024 3823 1234", "Nguyễn Văn Kỹ", "0912 345 678",
                 "Phòng họp Phúc Xá", "Điểm cầu Phường Phúc Xá", "Sửa thông tin liên hệ"):
        assert text in detail


def test_bad_contacts_change_nothing(tree, client, auth):
    auth.login("qt_phucxa")
    response = client.post(f"/units/{tree.phuc_xa.id}/contacts",
                           data=contacts_form(email="vanthu@", tech_phone="gọi tôi"))
    assert response.status_code == 422
    assert "Địa chỉ e-mail không hợp lệ." in page(response) and "Số điện thoại chỉ gồm" in page(response)
    db.session.expire_all()
    assert tree.phuc_xa.email == "phucxa@hanoi.gov.vn" and tree.phuc_xa.tech_name is None
    assert count(AuditEntry) == 0


def test_unit_page_hides_rooms_and_endpoints_from_other_units(tree, client, auth, create_room):
    create_room(tree.phuc_xa, "Phòng họp Phúc Xá")
    db.session.commit()
    auth.login("vp_hangbac")
    detail = page(client.get(f"/units/{tree.phuc_xa.id}"))
    assert "phucxa@hanoi.gov.vn" in detail  # contacts are needed to invite the unit
    assert "Phòng họp Phúc Xá" not in detail and "Sửa thông tin liên hệ" not in detail
    tree_page = page(client.get("/units"))
    assert f'href="/units/{tree.phuc_xa.id}"' in tree_page
    assert client.get(f"/units/{tree.ba_dinh.id}").status_code == 200
    district = page(client.get(f"/units/{tree.ba_dinh.id}"))
    assert "Phường Phúc Xá" in district and "Phường Trúc Bạch" in district


# -- audit log --------------------------------------------------------------------------------
def _entry(at, user, unit, action="room.update", summary="Phòng"):
    db.session.add(AuditEntry(at=at, user_id=user.id, unit_id=unit.id, action=action,
                              object_type="room", object_id="1", summary=summary,
                              changes={"capacity": [10, 20]}))


def test_audit_log_is_newest_first_and_filtered(tree, client, auth):
    utc = timezone.utc
    _entry(datetime(2026, 3, 1, 2, 0, tzinfo=utc), tree.users.ward_admin, tree.phuc_xa, summary="Một")
    _entry(datetime(2026, 3, 5, 2, 0, tzinfo=utc), tree.users.district_admin, tree.ba_dinh, summary="Hai")
    # 23:30 UTC on 9 March is 06:30 on 10 March in Hà Nội
    _entry(datetime(2026, 3, 9, 23, 30, tzinfo=utc), tree.users.admin, tree.hang_bac,
           action="endpoint.update", summary="Ba")
    db.session.commit()
    auth.login("admin")

    def summaries(query=""):
        html = page(client.get("/audit" + query))
        return [s for s in ("Một", "Hai", "Ba") if f">{s}<" in html], html

    found, html = summaries()
    assert html.index(">Ba<") < html.index(">Hai<") < html.index(">Một<")
    assert "06:30 10/03/2026" in html and "10 → 20" in re.sub(r"<[^>]+>", "", html)
    assert summaries("?unit=001")[0] == ["Một", "Hai"]  # the district and its wards
    assert summaries("?user=qt_phucxa")[0] == ["Một"]
    assert summaries("?start=05/03/2026&end=10/03/2026")[0] == ["Hai", "Ba"]
    assert summaries("?start=2026-03-10")[0] == ["Ba"]
    assert summaries("?action=endpoint.update")[0] == ["Ba"]


def test_audit_log_bad_filters_are_explained(tree, client, auth):
    auth.login("admin")
    response = client.get("/audit?start=32/13/2026")
    assert response.status_code == 422 and "Ngày không hợp lệ: 32/13/2026" in page(response)
    assert client.get("/audit?unit=99999").status_code == 404
    assert client.get("/audit?start=10/03/2026&end=01/03/2026").status_code == 422


def test_audit_log_is_paginated(tree, client, auth):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(55):
        _entry(start + timedelta(minutes=i), tree.users.admin, tree.city, summary=f"Mục {i:02d}")
    db.session.commit()
    auth.login("admin")
    first = page(client.get("/audit"))
    assert first.count("data-entry=") == 50 and ">Mục 54<" in first and ">Mục 04<" not in first
    second = page(client.get("/audit?page=2"))
    assert second.count("data-entry=") == 5 and ">Mục 04<" in second


# -- API --------------------------------------------------------------------------------------
def test_api_rooms_fields_and_scope(tree, client, auth, create_room):
    room = create_room(tree.phuc_xa, "Phòng họp Phúc Xá", capacity=25, paperless=True, requires_approval=True)
    create_room(tree.hang_bac, "Phòng Hàng Bạc")
    create_room(tree.ba_dinh, "Hội trường quận")
    db.session.commit()
    auth.login("vp_phucxa")
    data = client.get("/api/v1/rooms").get_json()
    assert data == {"rooms": [{"id": room.id, "unit": "00001", "name": "Phòng họp Phúc Xá",
                               "capacity": 25, "paperless": True, "has_endpoint": False,
                               "requires_approval": True}], "next": None}
    auth.logout()
    auth.login("xem_badinh")
    names = {r["name"] for r in client.get("/api/v1/rooms").get_json()["rooms"]}
    assert names == {"Phòng họp Phúc Xá", "Hội trường quận"}
    assert [r["name"] for r in client.get("/api/v1/rooms?unit=001").get_json()["rooms"]] == ["Hội trường quận"]
    assert len(client.get("/api/v1/rooms?unit=001&subtree=1").get_json()["rooms"]) == 2
    missing = client.get("/api/v1/rooms?unit=99999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_api_endpoints_fields_filters_and_errors(tree, client, auth):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    endpoint.state, endpoint.last_checked = "reachable", datetime(2026, 3, 2, 1, 5, tzinfo=timezone.utc)
    db.session.commit()
    auth.login("qt_badinh")
    data = client.get("/api/v1/endpoints?unit=00001").get_json()["endpoints"]
    assert data == [{"id": endpoint.id, "unit": "00001", "name": "Điểm cầu Phường Phúc Xá",
                     "host": "127.0.0.2", "port": 5060, "protocol": "sip", "wan_connected": True,
                     "wan_connected_on": "2018-01-01", "vc_deployed": True, "vc_deployed_on": "2019-01-01",
                     "state": "reachable", "last_checked": "2026-03-02T08:05:00+07:00"}]
    reachable = client.get("/api/v1/endpoints?state=reachable").get_json()["endpoints"]
    assert [e["unit"] for e in reachable] == ["00001"]
    assert len(client.get("/api/v1/endpoints").get_json()["endpoints"]) == 3
    bad = client.get("/api/v1/endpoints?state=broken")
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["allowed"] == [
        "reachable", "unreachable", "unknown"]
    assert client.get("/api/v1/endpoints?unit=002").status_code == 403
    assert client.get("/api/v1/endpoints?unit=zzz").status_code == 404


def test_api_requires_sign_in(client, tree):
    response = client.get("/api/v1/rooms")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


# -- the menu ---------------------------------------------------------------------------------
def menu(client) -> tuple[list[str], list[str]]:
    """(links in the bar, links under "Quản trị") of the home page."""
    import re

    html = page(client.get("/"))
    bar = re.findall(r'<a class="nav-link text-nowrap[^>]*?href="([^"]+)"', html)
    group = re.search(r'data-testid="menu-admin">Quản trị</a>\s*<ul class="dropdown-menu">(.*?)</ul>', html, re.S)
    return bar, re.findall(r'href="([^"]+)"', group[1]) if group else []


@pytest.mark.parametrize("username, admin_links", [
    ("vp_phucxa", []),
    ("xem_badinh", []),
    ("qt_badinh", ["/rooms", "/endpoints", "/users"]),
    ("admin", ["/rooms", "/endpoints", "/users", "/audit", "/admin/jobs"]),
])
def test_management_pages_are_grouped_under_one_menu_by_role(tree, client, auth, username, admin_links):
    auth.login(username)
    bar, group = menu(client)
    assert group == admin_links
    assert "/" in bar and "/meetings/week" in bar and not set(bar) & set(admin_links)
    for href in group:
        assert client.get(href).status_code == 200
