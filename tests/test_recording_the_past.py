"""Recording the past on purpose: the form asks before storing a meeting whose end has passed
as held, and a meeting recorded as held that did not take place can be withdrawn with a reason
(POST /api/v1/meetings/<id>/cancel), audited and out of the target reports."""
from datetime import timedelta

import sqlalchemy as sa
from flask import g

from scheduler.audit.models import AuditEntry
from scheduler.auth import services as auth_services
from scheduler.core.timeutil import today_local
from scheduler.extensions import db
from scheduler.meetings import integrity, services
from scheduler.meetings.models import Meeting
from tests.booking_helpers import at, booking_form, request_for


def _form(day, **values):
    return booking_form(day, **{"agenda": "", **values})


def _meetings():
    return list(db.session.scalars(sa.select(Meeting)))


def test_the_form_asks_before_recording_a_past_meeting(tree, client, auth):
    auth.login("vp_phucxa")
    typo = today_local() - timedelta(days=30)
    response = client.post("/meetings/new", data=_form(typo, title="Họp tổ công tác"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="past-confirm"' in page
    assert "Ghi nhận cuộc họp đã diễn ra?" in page and typo.strftime("%d/%m/%Y 09:00") in page
    assert 'value="Họp tổ công tác"' in page  # everything typed is kept
    assert _meetings() == []

    response = client.post("/meetings/new", data=_form(typo, title="Họp tổ công tác", confirm_past="1"))
    assert response.status_code == 302
    [meeting] = _meetings()
    assert meeting.status == "held"


def test_a_coming_meeting_is_booked_without_the_question(tree, client, auth):
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(today_local() + timedelta(days=10)))
    assert response.status_code == 302 and [m.status for m in _meetings()] == ["scheduled"]


def _api(client, token):
    def call(method, url, **kw):
        g.pop("_login_user", None)
        return client.open("/api/v1" + url, method=method,
                           headers={"Authorization": f"Bearer {token}"}, **kw)
    return call


def _report(call, day):
    body = call("GET", f"/reports/targets?unit=00001&start={day.isoformat()}&end={day.isoformat()}")
    target = next(t for t in body.get_json()["targets"] if t["code"] == "online_30")
    return target["numerator"], target["denominator"], target["share"]


def test_a_held_meeting_that_did_not_take_place_is_withdrawn_with_a_reason(tree, client):
    token = auth_services.issue_token(tree.users.ward_admin)[0]
    db.session.commit()
    call = _api(client, token)
    start = at(-20, 9)
    made = call("POST", "/meetings", json=request_for(tree.phuc_xa, start, mode="online",
                                                      title="Họp nhập nhầm ngày"))
    meeting = made.get_json()
    assert meeting["status"] == "held"
    assert _report(call, start.date()) == (1, 1, 100.0)

    refused = call("POST", f"/meetings/{meeting['id']}/cancel", json={})
    assert refused.status_code == 422
    assert "reason" in refused.get_json()["error"]["details"]["fields"]
    assert call("GET", f"/meetings/{meeting['id']}").get_json()["status"] == "held"

    done = call("POST", f"/meetings/{meeting['id']}/cancel", json={"reason": "Nhập nhầm ngày họp"})
    assert done.status_code == 200
    assert done.get_json()["status"] == "cancelled"
    assert done.get_json()["cancel_reason"] == "Nhập nhầm ngày họp"
    assert _report(call, start.date()) == (0, 0, None)  # no data, not 0 %
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "meeting.withdraw")).one()
    assert entry.object_id == str(meeting["id"]) and "Nhập nhầm ngày họp" in entry.summary


def test_the_meeting_page_offers_the_withdrawal(tree, client, auth):
    token = auth_services.issue_token(tree.users.ward_staff)[0]
    db.session.commit()
    meeting = _api(client, token)("POST", "/meetings",
                                  json=request_for(tree.phuc_xa, at(-5, 9))).get_json()
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{meeting['id']}").get_data(as_text=True)
    assert 'data-testid="withdraw-meeting"' in page
    response = client.post(f"/meetings/{meeting['id']}/cancel", data={"reason": "Không họp"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert db.session.get(Meeting, meeting["id"]).status == "cancelled"


def test_recording_the_mode_before_the_closing_job_ran_makes_the_meeting_held(tree,
                                                                               create_meeting):
    """Before: the sitting became held, the meeting stayed scheduled (`flask check` reported
    it, and the reports' planned share still counted it)."""
    meeting = create_meeting(tree.phuc_xa, at(-1, 9), mode="in_person")  # ended, not yet closed
    db.session.commit()
    services.set_held_mode(tree.users.ward_staff, meeting.occurrences[0], "online")
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.status, meeting.occurrences[0].status) == ("held", "held")
    assert meeting.occurrences[0].held_mode == "online"
    assert integrity.problems() == []
