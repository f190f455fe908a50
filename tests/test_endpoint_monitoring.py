"""Endpoint monitoring with real sockets on 127.0.0.1 (listening, refusing, silent): state
history, uptime, the two-probe alert and its recovery, the warning before an online meeting, and
the probe targets confined to PROBE_ALLOWED_NETWORKS."""
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.endpoints.models import EndpointCheck
from scheduler.notifications.models import Notification
from scheduler.jobs.tasks import probe_endpoints
from scheduler.mail.models import OutgoingMail
from tests.factories import local

NOW = local(2026, 12, 10, 7, 0)
STEP = timedelta(minutes=5)


@pytest.fixture
def silent_port():
    """A listener whose accept queue is full: the kernel drops further SYNs, so a connect
    neither succeeds nor is refused (a ward whose line is dead)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        with socket.create_connection(server.getsockname()):  # fills the queue of one
            yield server.getsockname()[1]


@pytest.fixture
def quiet_tree(app, tree):
    """The tree, its endpoints without addresses: only the endpoints a test adds are probed."""
    app.config["PROBE_TIMEOUT_SECONDS"] = 0.5
    db.session.execute(sa.update(Endpoint).values(host=None, port=None))
    db.session.commit()
    return tree


def notices(user, kind=None):
    db.session.rollback()
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def bearer(client, username) -> dict:
    token = client.post("/api/v1/tokens", json={"username": username, "password": "matkhau123"})
    return {"Authorization": "Bearer " + token.get_json()["token"]}


def set_port(endpoint, port):
    """The device behind the address goes up or down (the row itself is not edited)."""
    db.session.execute(sa.update(Endpoint).where(Endpoint.id == endpoint.id).values(port=port))
    db.session.commit()


def test_listening_refusing_and_silent_endpoints(quiet_tree, create_endpoint, listening_port,
                                                 closed_port, silent_port):
    ward = quiet_tree.phuc_xa
    up = create_endpoint(ward, "Mở", host="127.0.0.1", port=listening_port)
    refusing = create_endpoint(ward, "Từ chối", host="127.0.0.1", port=closed_port)
    silent = create_endpoint(ward, "Im lặng", host="127.0.0.1", port=silent_port)
    db.session.commit()
    assert probe_endpoints(NOW) == "1/3 endpoints reachable"
    states = {e.name: (e.state, e.latency_ms is not None) for e in
              db.session.scalars(sa.select(Endpoint).where(Endpoint.host == "127.0.0.1"))}
    assert states == {"Mở": ("reachable", True), "Từ chối": ("unreachable", False),
                      "Im lặng": ("unreachable", False)}
    checks = db.session.execute(sa.select(EndpointCheck.endpoint_id, EndpointCheck.state,
                                          EndpointCheck.source)).all()
    assert sorted(map(tuple, checks)) == sorted([(up.id, "reachable", "probe"),
                                                 (refusing.id, "unreachable", "probe"),
                                                 (silent.id, "unreachable", "probe")])


def test_history_shows_changes_and_uptime(quiet_tree, create_endpoint, client, auth,
                                          listening_port, closed_port):
    endpoint = create_endpoint(quiet_tree.phuc_xa, host="127.0.0.1", port=listening_port)
    db.session.commit()
    for i, port in enumerate([listening_port, listening_port, closed_port, closed_port,
                              listening_port]):
        set_port(endpoint, port)
        probe_endpoints(NOW + STEP * i)
    auth.login("qt_phucxa")
    day = NOW.date().isoformat()
    body = client.get(f"/api/v1/endpoints/{endpoint.id}/history?start={day}&end={day}").get_json()
    assert body["uptime"] == 0.6
    assert [(c["state"], c["at"]) for c in body["changes"]] == [
        ("reachable", (NOW).isoformat()), ("unreachable", (NOW + 2 * STEP).isoformat()),
        ("reachable", (NOW + 4 * STEP).isoformat())]
    assert body["changes"][0]["latency_ms"] is not None and body["changes"][1]["latency_ms"] is None

    # a period with no probe: unknown, not 0 %
    empty = client.get(f"/api/v1/endpoints/{endpoint.id}/history?start=2026-11-01&end=2026-11-02")
    assert empty.get_json() == {**empty.get_json(), "uptime": None, "changes": []}

    page = client.get(f"/endpoints/{endpoint.id}?start={day}&end={day}").get_data(as_text=True)
    assert 'data-testid="uptime">60.0 %' in page
    assert page.count('data-state="unreachable"') == 1 and page.count('data-state="reachable"') == 2
    assert "<svg class=\"endpoint-timeline\"" in page and "Dữ liệu mẫu" not in page


def test_history_is_read_only_within_reach(quiet_tree, create_endpoint, client, auth):
    other = create_endpoint(quiet_tree.hang_bac, host="127.0.0.1", port=9)
    db.session.commit()
    auth.login("vp_phucxa")
    assert client.get(f"/api/v1/endpoints/{other.id}/history").status_code == 403
    assert client.get(f"/endpoints/{other.id}").status_code == 403
    bad = client.get(f"/api/v1/endpoints/{other.id}/history?start=hôm-qua")
    assert bad.status_code == 403  # no hint about the endpoint before the access check
    auth.logout()
    auth.login("admin")
    bad = client.get(f"/api/v1/endpoints/{other.id}/history?start=2026-12-10&end=2026-12-01")
    assert bad.status_code == 422 and "end" in bad.get_json()["error"]["details"]["fields"]


def test_two_failed_probes_alert_the_unit_admins_and_recovery_follows(
        app, quiet_tree, create_endpoint, listening_port, closed_port):
    app.config["SMTP_HOST"] = "127.0.0.1"  # mail is queued, not sent, by the probe job
    ward = quiet_tree.phuc_xa
    ward.tech_email = "kythuat.phucxa@hanoi.gov.vn"
    endpoint = create_endpoint(ward, "Điểm cầu Phúc Xá", host="127.0.0.1", port=listening_port)
    db.session.commit()
    admin = quiet_tree.users.ward_admin
    probe_endpoints(NOW)
    set_port(endpoint, closed_port)
    probe_endpoints(NOW + STEP)
    assert notices(admin) == []  # one lost probe wakes nobody
    set_port(endpoint, listening_port)
    probe_endpoints(NOW + 2 * STEP)
    set_port(endpoint, closed_port)
    probe_endpoints(NOW + 3 * STEP)
    probe_endpoints(NOW + 4 * STEP)
    down = notices(admin, "endpoint_down")
    assert len(down) == 1 and "Điểm cầu Phúc Xá" in down[0].title
    assert "2 lần kiểm tra liên tiếp" in down[0].body
    probe_endpoints(NOW + 5 * STEP)  # still down: no second notice
    assert len(notices(admin, "endpoint_down")) == 1 and notices(admin, "endpoint_up") == []
    set_port(endpoint, listening_port)
    probe_endpoints(NOW + 6 * STEP)
    up = notices(admin, "endpoint_up")
    assert len(up) == 1 and "kết nối lại" in up[0].title
    # staff of the ward and admins elsewhere are not paged
    assert notices(quiet_tree.users.ward_staff) == [] and notices(quiet_tree.users.admin) == []
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [m.purpose for m in mails] == ["endpoint_down", "endpoint_up"]
    assert "kythuat.phucxa@hanoi.gov.vn" in mails[0].recipients


def test_online_meeting_with_an_unreachable_unit_warns_the_host(
        app, quiet_tree, create_endpoint, create_meeting, client, auth, closed_port, listening_port):
    host, ward = quiet_tree.ba_dinh, quiet_tree.phuc_xa
    create_endpoint(host, host="127.0.0.1", port=listening_port)
    create_endpoint(ward, host="127.0.0.1", port=closed_port)
    start = NOW + timedelta(minutes=20)  # inside the 30-minute connection-test lead time
    meeting = create_meeting(host, start, participants=[ward], mode="online")
    later = create_meeting(host, start + timedelta(hours=3), participants=[ward], mode="online",
                           title="Họp chiều")
    db.session.commit()
    probe_endpoints(NOW)
    probe_endpoints(NOW + STEP)  # still down: the host is told once
    staff = quiet_tree.users.district_staff
    warned = notices(staff, "meeting_unreachable")
    assert len(warned) == 1 and warned[0].meeting_id == meeting.id
    assert "Phường Phúc Xá" in warned[0].title
    assert notices(quiet_tree.users.ward_staff, "meeting_unreachable") == []

    from scheduler.endpoints.services import unreachable_before_start
    assert [u.code for u in unreachable_before_start(meeting, NOW, 30)] == ["00001"]
    assert unreachable_before_start(later, NOW, 30) == []  # its test is hours away


def test_meeting_page_shows_the_warning_to_the_host(quiet_tree, create_endpoint, client, auth,
                                                    create_meeting):
    from scheduler.core.timeutil import utcnow

    ward = quiet_tree.phuc_xa
    endpoint = create_endpoint(ward, host="127.0.0.1", port=9)
    endpoint.state = "unreachable"
    meeting = create_meeting(quiet_tree.ba_dinh, utcnow() + timedelta(minutes=10),
                             participants=[ward], mode="hybrid")
    db.session.commit()
    auth.login("vp_badinh")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-testid="unreachable-warning"' in page and "Phường Phúc Xá" in page


# -- confinement -------------------------------------------------------------------------------
PRODUCTION_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "169.254.169.254", "0.0.0.0",
                                  "::1", "::ffff:127.0.0.1", "8.8.8.8"])
def test_endpoint_outside_the_allowed_networks_is_refused_when_saved(app, tree, client, auth,
                                                                     host):
    app.config["PROBE_ALLOWED_NETWORKS"] = PRODUCTION_NETWORKS
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Endpoint))
    # the token alone, before the browser's session: a bearer request that also carries the
    # session cookie would need a CSRF token
    response = client.post("/api/v1/endpoints", headers=bearer(client, "qt_phucxa"), json={
        "unit": "00001", "name": "Máy chủ", "host": host, "port": 5432, "protocol": "sip"})
    assert response.status_code == 422
    message = response.get_json()["error"]["details"]["fields"]["host"]
    assert "nằm ngoài các dải mạng được phép" in message
    auth.login("qt_phucxa")
    form = client.post("/endpoints/new", data={"unit_id": tree.phuc_xa.id, "name": "Máy chủ",
                                                "host": host, "port": "5432", "protocol": "sip"})
    assert form.status_code == 422 and "nằm ngoài các dải mạng được phép" in form.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endpoint)) == before


def test_private_address_is_accepted_by_default(app, tree, client, auth):
    app.config["PROBE_ALLOWED_NETWORKS"] = PRODUCTION_NETWORKS
    response = client.post("/api/v1/endpoints", headers=bearer(client, "qt_phucxa"), json={
        "unit": "00001", "name": "Điểm cầu mới", "host": "10.20.30.40", "port": 5060})
    assert response.status_code == 201 and response.get_json()["host"] == "10.20.30.40"


def test_a_loopback_row_already_in_the_database_is_never_probed(app, quiet_tree, create_endpoint):
    app.config["PROBE_ALLOWED_NETWORKS"] = PRODUCTION_NETWORKS
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.3)
        sneaked = create_endpoint(quiet_tree.phuc_xa, host="127.0.0.1",
                                  port=server.getsockname()[1])
        db.session.commit()
        assert probe_endpoints(NOW) == "0/0 endpoints reachable, 1 outside PROBE_ALLOWED_NETWORKS not probed"
        with pytest.raises(socket.timeout):
            server.accept()  # nobody knocked
    endpoint = db.session.get(Endpoint, sneaked.id)
    assert (endpoint.state, endpoint.last_checked) == ("unknown", None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EndpointCheck)) == 0


def test_coverage_page_shows_reachability_over_the_period_and_coverage_since_2018(
        quiet_tree, create_endpoint, client, auth, listening_port, closed_port):
    endpoint = db.session.scalars(sa.select(Endpoint).where(
        Endpoint.unit_id == quiet_tree.phuc_xa.id)).one()
    endpoint.host, endpoint.port = "127.0.0.1", listening_port
    db.session.commit()
    for i, port in enumerate([listening_port, listening_port, listening_port, closed_port]):
        set_port(endpoint, port)
        probe_endpoints(NOW + STEP * i)
    auth.login("admin")
    page = client.get("/reports/coverage?unit=01&date=2026-12-10&since=2026-12-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = {code: html.split(f"<td>{code}</td>", 1)[1].split("</tr>", 1)[0]
            for code in ("001", "002")}
    assert "75.0 %" in rows["001"]  # Ba Đình's wards: 3 of 4 probes reached
    assert "Chưa có dữ liệu" in rows["002"]  # Hoàn Kiếm's ward was never probed
    assert "75.0 %" in html.split('data-testid="reachable-over-period"', 1)[1].split("</p>", 1)[0]
    chart = html.split('<svg class="coverage-chart"', 1)[1].split("</svg>", 1)[0]
    assert ">01/18<" in chart and chart.count("<polyline") == 2  # month by month since 2018
    before = client.get("/reports/coverage?unit=01&date=2026-12-10&since=2026-12-11")
    assert before.status_code == 422


def test_a_new_address_starts_afresh_without_a_recovery_notice(
        quiet_tree, create_endpoint, client, listening_port, closed_port):
    endpoint = create_endpoint(quiet_tree.phuc_xa, host="127.0.0.1", port=closed_port)
    db.session.commit()
    probe_endpoints(NOW)
    probe_endpoints(NOW + STEP)
    admin = quiet_tree.users.ward_admin
    assert len(notices(admin, "endpoint_down")) == 1
    response = client.patch(f"/api/v1/endpoints/{endpoint.id}", headers=bearer(client, "qt_phucxa"),
                            json={"port": listening_port})
    assert response.get_json()["state"] == "unknown"
    probe_endpoints(NOW + 2 * STEP)
    assert notices(admin, "endpoint_up") == []  # the new device was never down


def test_a_mistyped_network_setting_allows_less_and_breaks_nothing(app, tree, client):
    app.config["PROBE_ALLOWED_NETWORKS"] = "10.0.0.0/8, 192.168.0/33,"
    headers = bearer(client, "qt_phucxa")
    ok = client.post("/api/v1/endpoints", headers=headers, json={
        "unit": "00001", "name": "Trong dải 10", "host": "10.1.2.3", "port": 5060})
    refused = client.post("/api/v1/endpoints", headers=headers, json={
        "unit": "00001", "name": "Trong dải 192.168", "host": "192.168.0.5", "port": 5060})
    assert (ok.status_code, refused.status_code) == (201, 422)
