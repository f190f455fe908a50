"""Participants at city scale: a ward without video conference may attend a hybrid meeting in
person; an online meeting refused for such wards offers to remove them in one click; the room
list says which rooms are free at the time typed."""
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import g

from scheduler.auth import services as auth_services
from scheduler.core.timeutil import today_local
from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.models import Meeting, Reservation
from tests.booking_helpers import at, booking_form, request_for


def _api(client, user):
    token = auth_services.issue_token(user)[0]
    db.session.commit()

    def call(method, url, **kw):
        g.pop("_login_user", None)
        return client.open("/api/v1" + url, method=method,
                           headers={"Authorization": f"Bearer {token}"}, **kw)
    return call


def test_a_ward_without_video_conference_attends_a_hybrid_meeting_in_person(tree, client):
    call = _api(client, tree.users.admin)
    online = call("POST", "/meetings", json=request_for(
        tree.city, at(6, 9), mode="online", participants=["00001", "00037"]))
    assert online.status_code == 422
    details = online.get_json()["error"]["details"]
    assert details["units_without_vc"] == ["00037"]
    assert "Phường Hàng Bạc" in details["fields"]["participants"]
    assert "trực tiếp kết hợp trực tuyến" in details["fields"]["participants"]

    hybrid = call("POST", "/meetings", json=request_for(
        tree.city, at(6, 9), mode="hybrid", participants=["00001", "00037"]))
    assert hybrid.status_code == 201
    assert sorted(hybrid.get_json()["participants"]) == ["00001", "00037"]
    # endpoints of the host and of Phúc Xá are reserved; Hàng Bạc has none to reserve
    endpoints = db.session.scalars(sa.select(Reservation).where(
        Reservation.resource_kind == "endpoint")).all()
    assert len(endpoints) == 2


def test_the_host_still_needs_video_conference_for_a_hybrid_meeting(tree, client):
    call = _api(client, tree.users.other_ward_staff)
    refused = call("POST", "/meetings", json=request_for(tree.hang_bac, at(6, 9), mode="hybrid"))
    assert refused.status_code == 422 and "host_unit" in refused.get_json()["error"]["details"]["fields"]


def _form(day, **values):
    return booking_form(day, **{
        "title": "Họp trực tuyến toàn thành phố", "category": "trien_khai", "host_unit": "01",
        "chair": "", "mode": "online", "agenda": "", "participants": ["00001", "00004", "00037"],
        **values})


def test_the_form_marks_such_wards_and_offers_to_remove_them(tree, client, auth):
    auth.login("admin")
    page = client.get("/meetings/new").get_data(as_text=True)
    hang_bac = re.search(r'<li[^>]*data-code="00037"[^>]*>.*?</li>', page, re.S).group(0)
    assert "data-no-vc" in hang_bac and "chưa có HNTH" in hang_bac
    phuc_xa = re.search(r'<li[^>]*data-code="00001"[^>]*>.*?</li>', page, re.S).group(0)
    assert "data-no-vc" not in phuc_xa

    day = today_local() + timedelta(days=10)
    refused = client.post("/meetings/new", data=_form(day))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'name="drop_units" value="00037"' in html and "Bỏ 1 đơn vị này" in html
    dropped = client.post("/meetings/new", data=_form(day, drop_units="00037")).get_data(as_text=True)
    assert re.search(r'value="00001"\s+id="participant-00001" checked', dropped)
    assert not re.search(r'value="00037"\s+id="participant-00037" checked', dropped)
    assert db.session.scalars(sa.select(Meeting)).all() == []
    booked = client.post("/meetings/new", data=_form(day, participants=["00001", "00004"]))
    assert booked.status_code == 302


def test_the_group_list_adds_a_whole_district(tree, client, auth):
    auth.login("admin")
    day = today_local() + timedelta(days=10)
    page = client.post("/meetings/new", data=_form(day, participants=[], add_group="selected",
                                                    group="wards:001")).get_data(as_text=True)
    ticked = set(re.findall(r'value="(\d+)"\s+id="participant-\d+" checked', page))
    assert ticked == {"00001", "00004"}


def test_room_availability_for_the_time_typed(tree, client, auth, rooms):
    services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(5, 9), rooms=[rooms["phuc_xa"].id], title="Họp tổ dân phố"))
    db.session.commit()
    auth.login("qt_badinh")
    day = at(5, 9).strftime("%d/%m/%Y")
    ids = f'{rooms["phuc_xa"].id},{rooms["ba_dinh"].id}'
    answer = client.get(f"/meetings/room-availability?date={day}&start=9h30&end=10:30&rooms={ids}").get_json()
    assert answer == {"busy": {str(rooms["phuc_xa"].id): "Họp tổ dân phố 09:00–10:00"}}
    later = client.get(f"/meetings/room-availability?date={day}&start=10:00&end=11:00&rooms={ids}")
    assert later.get_json() == {"busy": {}}
    assert client.get("/meetings/room-availability?date=xx").get_json() == {"busy": {}}
    # another ward's staff does not learn about rooms it may not see
    auth.logout()
    auth.login("vp_hangbac")
    hidden = client.get(f"/meetings/room-availability?date={day}&start=9:30&end=10:30&rooms={ids}")
    assert hidden.get_json() == {"busy": {}}
