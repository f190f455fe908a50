"""In-app notices about meetings: the invited units hear of an invitation, a change and a
cancellation; approvers of a booking waiting for them; the booker of the decision. Read through
GET /api/v1/notifications and marked read with POST /api/v1/notifications/<id>/read."""
from flask import g

from scheduler.auth import services as auth_services
from scheduler.extensions import db

from tests.booking_helpers import at, request_for

API = "/api/v1"


class Api:
    def __init__(self, client, tree):
        self.client, self.tokens = client, {}
        for name in ("admin", "district_admin", "district_staff", "ward_staff", "ward_admin",
                     "other_ward_staff"):
            self.tokens[name] = auth_services.issue_token(getattr(tree.users, name))[0]
        db.session.commit()

    def __call__(self, method, url, who, **kw):
        g.pop("_login_user", None)
        return self.client.open(API + url, method=method,
                                headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kw)

    def notices(self, who):
        response = self("GET", "/notifications", who)
        assert response.status_code == 200
        return response.get_json()


def test_invited_units_hear_of_the_invitation_the_change_and_the_cancellation(client, tree):
    api = Api(client, tree)
    assert api.notices("ward_staff") == {"notifications": [], "unread": 0}
    made = api("POST", "/meetings", "district_staff", json=request_for(
        tree.ba_dinh, at(5, 9), title="Họp triển khai chuyển đổi số", participants=["00001"]))
    assert made.status_code == 201
    meeting_id = made.get_json()["id"]

    listed = api.notices("ward_staff")
    assert listed["unread"] == 1
    [invitation] = listed["notifications"]
    assert invitation["kind"] == "invitation" and invitation["meeting_id"] == meeting_id
    assert invitation["read"] is False and "Họp triển khai chuyển đổi số" in invitation["text"]
    assert "Quận Ba Đình" in invitation["body"]
    # every user of the invited ward, not the booker nor a ward that was not invited
    assert api.notices("ward_admin")["unread"] == 1
    assert api.notices("district_staff")["unread"] == 0
    assert api.notices("other_ward_staff")["unread"] == 0

    moved = api("PATCH", f"/meetings/{meeting_id}", "district_staff",
                json={"start": at(5, 14).isoformat(), "end": at(5, 15).isoformat()})
    assert moved.status_code == 200
    api("POST", f"/meetings/{meeting_id}/cancel", "district_staff", json={"reason": "Lãnh đạo bận"})
    kinds = [n["kind"] for n in api.notices("ward_staff")["notifications"]]
    assert kinds == ["cancellation", "change", "invitation"]  # newest first
    cancelled = api.notices("ward_staff")["notifications"][0]
    assert "Lãnh đạo bận" in cancelled["body"]
    change = api.notices("ward_staff")["notifications"][1]
    assert "14:00" in change["body"]

    read = api("POST", f"/notifications/{cancelled['id']}/read", "ward_staff")
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert api.notices("ward_staff")["unread"] == 2
    # another user's notice is not theirs to mark
    assert api("POST", f"/notifications/{change['id']}/read", "ward_admin").status_code == 404


def test_a_unit_dropped_from_a_meeting_is_told_and_a_unit_added_is_invited(client, tree):
    api = Api(client, tree)
    meeting_id = api("POST", "/meetings", "district_staff", json=request_for(
        tree.ba_dinh, at(6, 9), participants=["00001"])).get_json()["id"]
    api("PATCH", f"/meetings/{meeting_id}", "district_staff", json={"participants": ["00037"]})
    assert [n["kind"] for n in api.notices("ward_staff")["notifications"]] == [
        "cancellation", "invitation"]
    assert [n["kind"] for n in api.notices("other_ward_staff")["notifications"]] == ["invitation"]


def test_a_meeting_recorded_after_the_fact_sends_no_invitation(client, tree):
    api = Api(client, tree)
    made = api("POST", "/meetings", "district_staff",
               json=request_for(tree.ba_dinh, at(-2, 9), participants=["00001"]))
    assert made.get_json()["status"] == "held"
    assert api.notices("ward_staff")["notifications"] == []


def test_approvers_hear_of_a_waiting_booking_and_the_booker_of_the_decision(client, tree, rooms):
    api = Api(client, tree)
    gated = rooms["gated"].id
    first = api("POST", "/meetings", "district_staff", json=request_for(
        tree.ba_dinh, at(8, 9), rooms=[gated], participants=["00001"], title="Họp A")).get_json()
    second = api("POST", "/meetings", "district_staff", json=request_for(
        tree.ba_dinh, at(8, 14), rooms=[gated], title="Họp B")).get_json()
    assert first["status"] == second["status"] == "pending"
    # the unit admin of Ba Đình and the city admin; not the ward's admin, below the room's unit
    for approver in ("district_admin", "admin"):
        waiting = api.notices(approver)["notifications"]
        assert [n["kind"] for n in waiting] == ["approval_request"] * 2
    assert api.notices("ward_admin")["notifications"] == []
    # the participants hear nothing while the booking waits
    assert api.notices("ward_staff")["notifications"] == []

    api("POST", f"/meetings/{first['id']}/approve", "district_admin")
    api("POST", f"/meetings/{second['id']}/decline", "district_admin",
        json={"reason": "Phòng đang sửa chữa"})
    decided = api.notices("district_staff")["notifications"]
    assert [n["kind"] for n in decided] == ["declined", "approved"]
    assert "Phòng đang sửa chữa" in decided[0]["body"] and "Họp B" in decided[0]["text"]
    # approved: now the invited ward hears of it
    assert [n["kind"] for n in api.notices("ward_staff")["notifications"]] == ["invitation"]


def test_notices_follow_the_readers_language(client, tree):
    tree.users.ward_staff.locale = "en"
    db.session.commit()
    api = Api(client, tree)
    api("POST", "/meetings", "district_staff",
        json=request_for(tree.ba_dinh, at(5, 9), title="Họp X", participants=["00001"]))
    [notice] = api.notices("ward_staff")["notifications"]
    assert notice["text"].startswith("Meeting invitation")
    [vietnamese] = api.notices("ward_admin")["notifications"]
    assert vietnamese["text"].startswith("Giấy mời họp")


def test_notices_need_a_sign_in(client, tree):
    assert client.get(f"{API}/notifications").status_code == 401

