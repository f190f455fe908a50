"""Who may do what where: every role against its own unit, a child unit and a sibling unit,
for each management action, as SPEC.md's role table says. Refusals are 403s that change nothing.

The actors sit in district 001 Ba Đình (the admin in the city); targets are Ba Đình itself,
its ward 00001 Phúc Xá, and the sibling district 002 Hoàn Kiếm.
"""
import pytest
import sqlalchemy as sa

from scheduler.auth.models import User
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.rooms.models import Room
from tests.management_forms import contacts_form, endpoint_form, room_form, user_form

ACTORS = {"staff": "vp_badinh", "unit_admin": "qt_badinh", "viewer": "xem_badinh", "admin": "admin"}
TARGETS = {"own": "ba_dinh", "child": "phuc_xa", "sibling": "hoan_kiem"}
EVERYWHERE = {"own", "child", "sibling"}
# SPEC.md "Who uses it": manage = unit_admin over its subtree, admin everywhere; the audit log is
# the admin's; viewing = staff their own unit, unit_admin and viewer their subtree.
MANAGE = {"staff": set(), "unit_admin": {"own", "child"}, "viewer": set(), "admin": EVERYWHERE}
ADMINISTER = {"staff": set(), "unit_admin": set(), "viewer": set(), "admin": EVERYWHERE}
VIEW = {"staff": {"own"}, "unit_admin": {"own", "child"}, "viewer": {"own", "child"},
        "admin": EVERYWHERE}


def create_room(client, unit):
    name = f"Phòng ma trận {unit.code}"
    response = client.post("/rooms/new", data=room_form(unit, name=name))
    return response, db.session.scalar(sa.select(Room).where(Room.name == name)) is not None


def edit_endpoint(client, unit):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == unit.id)).first()
    response = client.post(f"/endpoints/{endpoint.id}/edit",
                           data=endpoint_form(unit, name="Điểm cầu đã sửa"))
    db.session.expire_all()
    return response, db.session.get(Endpoint, endpoint.id).name == "Điểm cầu đã sửa"


def edit_contacts(client, unit):
    response = client.post(f"/units/{unit.id}/contacts", data=contacts_form(email="matran@hanoi.gov.vn"))
    db.session.expire_all()
    return response, unit.email == "matran@hanoi.gov.vn"


def create_user(client, unit):
    username = f"ma_tran_{unit.code}"
    response = client.post("/users/new", data=user_form(unit, username=username))
    return response, db.session.scalar(sa.select(User).where(User.username == username)) is not None


def read_audit_log(client, unit):
    response = client.get(f"/audit?unit={unit.code}")
    return response, response.status_code == 200 and "Nhật ký thao tác" in response.get_data(as_text=True)


def api_rooms(client, unit):
    response = client.get(f"/api/v1/rooms?unit={unit.code}")
    return response, response.status_code == 200 and "rooms" in response.get_json()


ACTIONS = {
    "create_room": (create_room, MANAGE),
    "edit_endpoint": (edit_endpoint, MANAGE),
    "edit_contacts": (edit_contacts, MANAGE),
    "create_user": (create_user, MANAGE),
    "read_audit_log": (read_audit_log, ADMINISTER),
    "api_rooms": (api_rooms, VIEW),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ACTORS)
def test_access_matrix(tree, client, auth, role, action):
    """One test per role and action; the three targets run in turn on the same tree (each
    action leaves a mark of its own per target, so one target's write cannot pass for
    another's)."""
    perform, rule = ACTIONS[action]
    assert auth.login(ACTORS[role]).status_code == 302
    for target, unit_name in TARGETS.items():
        case = f"{role} × {target} × {action}"
        response, done = perform(client, getattr(tree, unit_name))
        if target in rule[role]:
            assert response.status_code in (200, 302), (case, response.get_data(as_text=True)[:300])
            assert done, case
        else:
            assert response.status_code == 403, case
            assert not done, case
            if action == "api_rooms":
                assert response.get_json()["error"]["code"] == "forbidden", case
            else:
                assert "Bạn không có quyền" in response.get_data(as_text=True), case


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_read_only_roles_cannot_open_management_pages(tree, client, auth, role):
    auth.login(ACTORS[role])
    for path in ("/rooms", "/rooms/new", "/endpoints", "/endpoints/new", "/users", "/users/new",
                 f"/units/{tree.ba_dinh.id}/contacts", "/audit"):
        assert client.get(path).status_code == 403, path


def test_another_units_objects_are_403_not_404(tree, client, auth, create_room):
    """A ward admin reaching for the sibling district's room, endpoint or user is refused
    without learning anything, and a missing id stays a plain 404."""
    room = create_room(tree.hang_bac, "Phòng Hàng Bạc")
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.hoan_kiem.id)).first()
    db.session.commit()
    auth.login("qt_phucxa")
    assert client.get(f"/rooms/{room.id}/edit").status_code == 403
    assert client.post(f"/rooms/{room.id}/active", data={"active": "0"}).status_code == 403
    assert client.get(f"/endpoints/{endpoint.id}/edit").status_code == 403
    assert client.post(f"/endpoints/{endpoint.id}/active", data={"active": "0"}).status_code == 403
    assert client.get(f"/users/{tree.users.other_ward_staff.id}/edit").status_code == 403
    assert client.post(f"/users/{tree.users.other_ward_staff.id}/active", data={"active": "0"}).status_code == 403
    assert client.get("/rooms/999999/edit").status_code == 404
    db.session.expire_all()
    assert room.active and endpoint.active and tree.users.other_ward_staff.active


def test_moving_an_object_out_of_the_subtree_is_refused(tree, client, auth, create_room):
    room = create_room(tree.phuc_xa, "Phòng Phúc Xá")
    db.session.commit()
    auth.login("qt_badinh")
    response = client.post(f"/rooms/{room.id}/edit", data=room_form(tree.hang_bac, name="Phòng chuyển"))
    assert response.status_code == 403
    db.session.expire_all()
    assert room.unit_id == tree.phuc_xa.id and room.name == "Phòng Phúc Xá"
