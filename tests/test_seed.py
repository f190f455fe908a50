"""`flask seed-demo`: the Hà Nội demo data set, idempotent, and consistent with the booking rules."""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from scheduler.auth.models import User
from scheduler.core.timeutil import LOCAL_TZ
from scheduler.demo.seed import DEMO_USERS
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.meetings.models import (CATEGORIES, MODES, ONLINE_MODES, Meeting, Occurrence,
                                       Reservation, meeting_participant)
from scheduler.rooms.models import Room
from scheduler.units.models import Unit
from tests.conftest import count

TABLES = (Unit, Room, Endpoint, User, Meeting, Occurrence, Reservation)


def seed(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def counts() -> dict:
    db.session.expire_all()
    return {model.__name__: count(model) for model in TABLES}


def test_seed_builds_hanoi_and_running_it_again_changes_nothing(runner, client, auth):
    output = seed(runner)
    assert "admin" in output and "matkhau123" in output

    for demo in DEMO_USERS:  # every demo login works, in a unit that exists today
        assert auth.login(demo.username).status_code == 302, demo.username
        auth.logout()
        assert Unit.by_code(demo.unit).exists_on(date.today()), demo.username
    auth.login("lanhdao")
    today = client.get("/api/v1/units?limit=1000").get_json()["units"]
    assert {k: sum(u["kind"] == k for u in today) for k in ("city", "department", "district", "ward")} == \
        {"city": 1, "department": 21, "district": 0, "ward": 126}
    assert all(u["wan_connected"] and u["vc_deployed"] for u in today if u["kind"] == "ward")
    coverage = client.get("/api/v1/reports/connectivity").get_json()
    assert coverage["headlines"][0] == "126/126 xã, phường kết nối mạng diện rộng"
    units = client.get("/api/v1/units?on=2025-06-30&limit=1000").get_json()["units"]
    by_kind = {kind: [u for u in units if u["kind"] == kind]
               for kind in ("city", "department", "district", "ward")}
    assert [u["code"] for u in by_kind["city"]] == ["01"]
    assert len(by_kind["district"]) == 30
    assert len(by_kind["ward"]) == 526
    assert {"01-STTTT", "01-VPUB", "01-SNV", "01-SYT", "01-CATP"} <= {u["code"] for u in by_kind["department"]}
    assert all(u["parent"] == "01" for u in by_kind["district"] + by_kind["department"])
    phuc_xa = next(u for u in units if u["code"] == "00001")
    assert (phuc_xa["name"], phuc_xa["parent"]) == ("Phường Phúc Xá", "001")
    assert phuc_xa["email"] == "vanphong.phucxa@hanoi.gov.vn"
    assert phuc_xa["tech_contact"]["phone"].startswith("024 ")

    # connection facts: most wards connected, a handful not, and the API tells them apart
    unconnected = [u for u in by_kind["ward"] if not (u["wan_connected"] and u["vc_deployed"])]
    assert 10 <= len(unconnected) <= 15
    before = client.get("/api/v1/reports/connectivity?date=2025-06-30").get_json()
    assert before["wards_total"] == 526 and 10 <= len(before["unconnected"]) <= 15
    # the new units' endpoints have no address: the demo reaches nothing on the network
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endpoint).join(Unit).where(
        Unit.valid_from == date(2025, 7, 1), Endpoint.host.is_not(None))) == 0
    assert phuc_xa["wan_connected"] and phuc_xa["vc_deployed"]
    one = unconnected[0]
    detail = client.get(f"/api/v1/units/{one['code']}?on=2025-06-30").get_json()
    assert detail["vc_deployed"] is False
    endpoints = db.session.scalars(sa.select(Endpoint).join(Unit).where(Unit.code == one["code"])).all()
    assert all(ep.vc_deployed_on is None for ep in endpoints)

    before = counts()
    assert before["Meeting"] >= 1000 and before["Occurrence"] >= 1300

    # a user's own data survives a second run, which adds nothing
    ba_dinh = Unit.by_code("00004")
    db.session.add(Room(unit=ba_dinh, name="Phòng họp mới của quận", capacity=12))
    db.session.commit()
    before = counts()
    output = seed(runner)
    assert counts() == before
    assert db.session.scalar(sa.select(Room.id).where(Room.name == "Phòng họp mới của quận"))


def test_seeded_meetings_follow_the_booking_rules(runner):
    now = datetime.now(LOCAL_TZ)
    seed(runner)
    # no two active reservations of one resource overlap ([start, end) intervals)
    a, b = sa.orm.aliased(Reservation), sa.orm.aliased(Reservation)
    overlaps = db.session.scalar(
        sa.select(sa.func.count()).select_from(a).join(b, sa.and_(
            a.resource_kind == b.resource_kind, a.resource_id == b.resource_id, a.id < b.id))
        .where(a.active.is_(True), b.active.is_(True), a.starts_at < b.ends_at, b.starts_at < a.ends_at))
    assert overlaps == 0

    meetings = db.session.scalars(sa.select(Meeting)).all()
    assert {m.category for m in meetings} == set(CATEGORIES)
    assert {m.mode for m in meetings} == set(MODES)
    series = [m for m in meetings if m.rrule]
    assert any(m.category == "giao_ban" and "FREQ=WEEKLY" in m.rrule and len(m.occurrences) > 30
               for m in series)

    occurrences = db.session.scalars(sa.select(Occurrence)).all()
    past = [o for o in occurrences if o.end_at <= now and o.status != "cancelled"]
    future = [o for o in occurrences if o.start_at > now and o.status != "cancelled"]
    assert len(past) > 5 * len(future) > 0
    assert all(o.status == "held" and o.held_mode in MODES for o in past)
    assert all(o.status == "scheduled" and o.held_mode is None for o in future)
    assert 0 < sum(o.status == "cancelled" for o in occurrences) < len(occurrences) * 0.1
    assert min(o.start_at for o in occurrences) >= datetime(2024, 1, 1, tzinfo=LOCAL_TZ)
    assert max(o.start_at for o in occurrences) < now + timedelta(days=32)
    assert all(o.start_at.astimezone(LOCAL_TZ).weekday() < 5 for o in occurrences)

    # online and hybrid meetings only invite units whose video conference is deployed
    undeployed = sa.select(Unit.id).where(~sa.exists().where(
        Endpoint.unit_id == Unit.id, Endpoint.vc_deployed_on.is_not(None)))
    invited = db.session.scalar(
        sa.select(sa.func.count()).select_from(meeting_participant).join(Meeting)
        .where(Meeting.mode.in_(ONLINE_MODES), meeting_participant.c.unit_id.in_(undeployed)))
    assert invited == 0

    # the report has a story: online_80 categories mostly online, the others about a third
    def held_online_share(categories):
        held = db.session.execute(sa.select(Occurrence.held_mode).join(Meeting).where(
            Occurrence.status == "held", Meeting.category.in_(categories))).scalars().all()
        return sum(mode in ONLINE_MODES for mode in held) / len(held)

    assert 0.7 < held_online_share(("trien_khai", "so_ket", "tong_ket", "tap_huan")) < 0.9
    assert 0.2 < held_online_share(("giao_ban", "lam_viec", "khac")) < 0.45

    # both trees have their meetings, and every host and participant exists on its sittings' days
    reform = datetime(2025, 7, 1, tzinfo=LOCAL_TZ)
    assert sum(o.start_at < reform for o in occurrences) > 1000
    assert sum(o.start_at >= reform for o in occurrences) > 1000
    for m in meetings:
        days = {o.start_at.astimezone(LOCAL_TZ).date() for o in m.occurrences}
        assert all(u.exists_on(d) for u in [m.host_unit, *m.participants] for d in days), m.title

    # the demo users' units have a calendar of their own, before and since the reform
    for code in ("001", "00001", "00004", "00097"):
        unit = Unit.by_code(code)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                                 .where(Meeting.host_unit_id == unit.id)) >= 20


def test_demo_sends_nothing_and_its_history_says_it_is_demo_data(app, runner, client, auth):
    """Demo endpoints have no address, so the probe job connects nowhere; their state history is
    recorded as demo data and shown as such."""
    from scheduler.endpoints.models import EndpointCheck
    from scheduler.jobs.tasks import probe_endpoints
    from scheduler.core.timeutil import utcnow

    seed(runner)
    assert count(Endpoint) > 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endpoint).where(
        Endpoint.host.is_not(None))) == 0
    sources = set(db.session.scalars(sa.select(EndpointCheck.source).distinct()))
    assert sources == {"demo"}
    assert probe_endpoints(utcnow()) == "0/0 endpoints reachable"

    phuc_xa = db.session.scalars(sa.select(Endpoint).join(Unit).where(Unit.code == "00001")).one()
    auth.login("admin")  # the demo's ward users work for the wards formed in 2025
    page = client.get(f"/endpoints/{phuc_xa.id}").get_data(as_text=True)
    assert 'data-testid="demo-history"' in page and "Dữ liệu mẫu" in page
    since = (datetime.now(LOCAL_TZ) - timedelta(days=8)).date().isoformat()
    history = client.get(f"/api/v1/endpoints/{phuc_xa.id}/history?start={since}").get_json()
    assert history["uptime"] == 1.0  # the demo keeps the demo users' own endpoint up
    assert [(c["state"], c["source"]) for c in history["changes"]] == [("reachable", "demo")]


def test_seed_clears_the_made_up_addresses_of_older_demo_installations(runner):
    from scheduler.audit.models import AuditEntry

    seed(runner)
    old, edited = db.session.scalars(sa.select(Endpoint).order_by(Endpoint.id).limit(2)).all()
    old.host, old.port = "10.10.0.20", 5060          # what earlier versions wrote
    edited.host, edited.port = "10.10.0.21", 5060    # ... and an operator later confirmed
    db.session.add(AuditEntry(action="endpoint.update", object_type="endpoint",
                              object_id=str(edited.id), summary="", changes={}))
    db.session.commit()
    seed(runner)
    db.session.expire_all()
    assert (old.host, old.port) == (None, None)
    assert (edited.host, edited.port) == ("10.10.0.21", 5060)
