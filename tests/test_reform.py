"""Hà Nội on both sides of 1 July 2025: the tree of each day, bookings checked against the units
existing on every sitting, reused codes read by date, participant groups of the meeting's day,
reports across the reform and the predecessors' roll-up, users of a closed unit moved on."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.auth.models import User
from scheduler.extensions import db
from scheduler.meetings.models import Meeting, Occurrence
from scheduler.units.models import Unit, UnitSuccession
from tests.conftest import count

DATA = Path(__file__).resolve().parent.parent / "scheduler" / "units" / "data"
FILES = ("hanoi_2024.csv", "hanoi_2025.csv", "hanoi_2025_predecessors.csv")


@pytest.fixture
def hanoi(runner, create_user, create_endpoint):
    """The shipped lists (both trees and the predecessors), an admin of the city and an API token."""
    for name in FILES:
        result = runner.invoke(args=["import-units", str(DATA / name)])
        assert result.exit_code == 0, result.output
    city = Unit.by_code("01")
    create_user("admin", "admin", city)
    db.session.commit()
    return city


@pytest.fixture
def api(client, hanoi):
    token = client.post("/api/v1/tokens", json={"username": "admin", "password": "matkhau123"})
    headers = {"Authorization": "Bearer " + token.get_json()["token"]}

    def call(method, url, **kw):
        return client.open(url, method=method, headers=headers, **kw)
    return call


def meeting(host, start, end=None, **kw):
    data = {"title": "Họp giao ban", "category": "giao_ban", "host_unit": host,
            "start": start, "end": end or start.replace("T08:00", "T09:00"), "mode": "in_person"}
    data.update(kw)
    return data


def kinds(units):
    found = {}
    for unit in units:
        found[unit["kind"]] = found.get(unit["kind"], 0) + 1
    return found


def test_the_tree_on_each_side_of_the_reform(api):
    before = api("GET", "/api/v1/units?on=2025-06-30&limit=1000").get_json()["units"]
    after = api("GET", "/api/v1/units?on=2025-07-01&limit=1000").get_json()["units"]
    today = api("GET", "/api/v1/units?limit=1000").get_json()["units"]
    assert kinds(before) == {"city": 1, "department": 21, "district": 30, "ward": 526}
    assert kinds(after) == {"city": 1, "department": 21, "ward": 126}
    assert [u["code"] for u in today] == [u["code"] for u in after]
    assert {u["parent"] for u in after if u["kind"] == "ward"} == {"01"}

    # one code, two units: the day says which, and each names the other
    truc_bach = api("GET", "/api/v1/units/00004?on=2025-06-30").get_json()
    ba_dinh = api("GET", "/api/v1/units/00004").get_json()
    assert (truc_bach["name"], truc_bach["valid_to"], truc_bach["successors"]) == \
        ("Phường Trúc Bạch", "2025-06-30", ["00004"])
    assert ba_dinh["name"] == "Phường Ba Đình" and {"00004", "00013"} <= set(ba_dinh["predecessors"])

    bad = api("GET", "/api/v1/units?on=30/06/2025")
    assert bad.status_code == 422 and "on" in bad.get_json()["error"]["details"]["fields"]


def test_the_units_page_shows_the_tree_of_the_day_and_the_mergers(hanoi, client, auth):
    auth.login("admin")
    before = client.get("/units?on=2025-06-30").get_data(as_text=True)
    after = client.get("/units").get_data(as_text=True)
    assert "Quận Ba Đình" in before and "/526 phường, xã" in before
    assert "Quận Ba Đình" not in after and "/126 phường, xã" in after
    phuc_xa = Unit.by_code("00001")
    hong_ha = Unit.by_code("00097")
    page = client.get(f"/units/{hong_ha.id}").get_data(as_text=True)
    assert "Thành lập từ" in page and "Phường Phúc Xá" in page
    page = client.get(f"/units/{phuc_xa.id}").get_data(as_text=True)
    assert "Sáp nhập vào" in page and "Phường Hồng Hà" in page


def test_a_retired_host_or_participant_is_refused_naming_its_end(api):
    before = (count(Meeting), count(Occurrence))
    hosted = api("POST", "/api/v1/meetings", json=meeting("00001", "2026-12-10T08:00+07:00"))
    assert hosted.status_code == 422
    fields = hosted.get_json()["error"]["details"]["fields"]
    assert "Phường Phúc Xá" in fields["host_unit"] and "30/06/2025" in fields["host_unit"]

    invited = api("POST", "/api/v1/meetings", json=meeting("01", "2026-12-10T08:00+07:00",
                                                           participants=["001", "00097"]))
    assert invited.status_code == 422
    fields = invited.get_json()["error"]["details"]["fields"]
    assert list(fields) == ["participants"]
    assert "Quận Ba Đình" in fields["participants"] and "30/06/2025" in fields["participants"]
    assert (count(Meeting), count(Occurrence)) == before

    # on a day it existed, the same ward still records its meeting
    past = api("POST", "/api/v1/meetings", json=meeting("00001", "2025-03-04T08:00+07:00"))
    assert past.status_code == 201, past.get_json()


def test_before_the_reform_a_new_units_code_names_the_ward_that_held_it(api):
    # every 2025 code was an old ward's: on 3 June 2025, 00097 is Phường Tứ Liên
    early = api("POST", "/api/v1/meetings", json=meeting("00097", "2025-06-03T08:00+07:00"))
    assert early.status_code == 201
    assert db.session.get(Meeting, early.get_json()["id"]).host_unit.name == "Phường Tứ Liên"
    # and its series cannot run on into Phường Hồng Hà's time
    series = api("POST", "/api/v1/meetings", json=meeting(
        "00097", "2025-06-24T08:00+07:00", rrule="FREQ=WEEKLY;COUNT=2"))
    assert series.status_code == 422
    fields = series.get_json()["error"]["details"]["fields"]
    assert "Phường Tứ Liên" in fields["host_unit"] and "30/06/2025" in fields["host_unit"]


def test_a_reused_code_names_the_unit_of_the_meeting_day(api):
    old = api("POST", "/api/v1/meetings", json=meeting("01", "2024-03-05T08:00+07:00",
                                                       participants=["00004"]))
    new = api("POST", "/api/v1/meetings", json=meeting("01", "2026-12-08T08:00+07:00",
                                                       participants=["00004"]))
    assert old.status_code == new.status_code == 201
    assert old.get_json()["participants"] == new.get_json()["participants"] == ["00004"]
    assert [u.name for u in db.session.get(Meeting, old.get_json()["id"]).participants] == \
        ["Phường Trúc Bạch"]
    assert [u.name for u in db.session.get(Meeting, new.get_json()["id"]).participants] == \
        ["Phường Ba Đình"]


def test_a_series_crossing_the_reform_is_refused_with_the_reason(api):
    before = count(Meeting)
    series = api("POST", "/api/v1/meetings", json=meeting(
        "01", "2025-06-16T08:00+07:00", participants=["001"], rrule="FREQ=WEEKLY;COUNT=4"))
    assert series.status_code == 422
    fields = series.get_json()["error"]["details"]["fields"]
    assert "01/07/2025" in fields["rrule"] and "Quận Ba Đình" in fields["rrule"]
    assert "30/06/2025" in fields["participants"]
    ward = api("POST", "/api/v1/meetings", json=meeting(
        "00001", "2025-06-17T08:00+07:00", rrule="FREQ=WEEKLY;COUNT=3"))
    assert ward.status_code == 422 and "01/07/2025" in ward.get_json()["error"]["details"]["fields"]["rrule"]
    assert count(Meeting) == before
    # the same series ending with June is booked
    ok = api("POST", "/api/v1/meetings", json=meeting(
        "01", "2025-06-09T08:00+07:00", participants=["001"], rrule="FREQ=WEEKLY;COUNT=3"))
    assert ok.status_code == 201, ok.get_json()


def group_buttons(page: str) -> list[str]:
    import re

    picker = page.split('id="participant-group"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="[^"]*">([^<]*)</option>', picker)


def test_participant_groups_follow_the_tree_of_the_meeting_day(hanoi, client, auth):
    auth.login("admin")
    today = client.get("/meetings/new?date=2026-12-10").get_data(as_text=True)
    assert group_buttons(today) == ["Tất cả xã, phường", "Tất cả sở, ban, ngành"]
    assert today.count('data-groups="wards:01"') == 126
    assert "participant-00001" not in today  # Phúc Xá is gone

    before = client.get("/meetings/new?date=2025-06-02").get_data(as_text=True)
    buttons = group_buttons(before)
    assert "Tất cả phường, xã của Quận Ba Đình" in buttons and "Tất cả xã, phường" not in buttons
    assert "Tất cả quận, huyện, thị xã" in buttons and len(buttons) == 30 + 2
    assert before.count('data-groups="wards:001"') == 13

    # without script a group button sends the form back: the group of the day typed is ticked
    form = {"title": "Hội nghị", "category": "trien_khai", "host_unit": "01", "day": "10/12/2026",
            "start": "08:00", "end": "09:00", "mode": "in_person", "add_group": "selected",
            "group": "wards:01"}
    page = client.post("/meetings/new", data=form).get_data(as_text=True)
    assert page.count("checked") >= 126


def test_the_year_2025_of_the_city_counts_both_trees(api, create_endpoint):
    for code in ("001", "00097"):
        create_endpoint(Unit.by_code(code))
    db.session.commit()
    booked = [
        meeting("00001", "2025-03-04T08:00+07:00"),  # Phúc Xá, old tree, in person
        meeting("001", "2025-06-30T08:00+07:00", mode="hybrid"),  # Quận Ba Đình, last day
        meeting("00097", "2025-07-01T08:00+07:00", mode="hybrid"),  # Hồng Hà, first day
        meeting("00097", "2025-12-01T08:00+07:00", category="lam_viec"),
        meeting("00001", "2024-12-31T08:00+07:00"),  # outside 2025
        meeting("00097", "2026-01-02T08:00+07:00", mode="hybrid"),
    ]
    for data in booked:
        response = api("POST", "/api/v1/meetings", json=data)
        assert response.status_code == 201, response.get_json()
    report = api("GET", "/api/v1/reports/targets?unit=01&start=2025-01-01&end=2025-12-31").get_json()
    online_30 = next(t for t in report["targets"] if t["code"] == "online_30")
    # by hand: four sittings in 2025, two of them online (the hybrid ones), one per tree each
    assert (online_30["numerator"], online_30["denominator"]) == (2, 4)
    children = {c["code"]: (c["numerator"], c["denominator"]) for c in online_30["children"]}
    assert children["001"] == (1, 2) and children["00097"] == (1, 2)
    assert online_30["includes_predecessors"] == []


def test_a_new_units_report_before_its_creation_shows_its_predecessors(api, hanoi, client, auth):
    api("POST", "/api/v1/meetings", json=meeting("00001", "2024-05-07T08:00+07:00"))  # Phúc Xá
    api("POST", "/api/v1/meetings", json=meeting("00004", "2024-05-07T08:00+07:00"))  # Trúc Bạch
    api("POST", "/api/v1/meetings", json=meeting("00097", "2025-09-09T08:00+07:00"))  # Hồng Hà
    url = "/api/v1/reports/targets?unit=00097&unit_on=2025-07-01&start={}&end={}"
    last_year = api("GET", url.format("2024-01-01", "2024-12-31")).get_json()
    this_year = api("GET", url.format("2025-01-01", "2025-12-31")).get_json()
    assert last_year["unit"]["name"] == this_year["unit"]["name"] == "Phường Hồng Hà"
    for report, expected in ((last_year, 1), (this_year, 1)):
        online_30 = next(t for t in report["targets"] if t["code"] == "online_30")
        assert online_30["denominator"] == expected
        formers = {p["name"]: p["whole"] for p in online_30["includes_predecessors"]}
        assert formers["Phường Phúc Xá"] is True and formers["Phường Tứ Liên"] is False
        assert "Phường Trúc Bạch" not in formers
    # a unit without predecessors, or a period after its creation, is not labelled
    later = api("GET", url.format("2025-08-01", "2025-12-31")).get_json()
    assert all(t["includes_predecessors"] == [] for t in later["targets"])

    auth.login("admin")
    hong_ha = Unit.by_code("00097")
    page = client.get(f"/reports?unit=00097&unit_id={hong_ha.id}&period=year&year=2024")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="predecessor-rollup"' in html
    assert "Phường Phúc Xá" in html and "01/07/2025" in html


def test_users_of_a_closed_unit_move_to_a_successor_in_one_step(hanoi, client, auth, create_user):
    phuc_xa, hong_ha = Unit.by_code("00001"), Unit.by_code("00097")
    for name in ("vp_phucxa", "qt_phucxa"):
        create_user(name, "staff", phuc_xa)
    db.session.commit()
    auth.login("admin")
    page = client.get(f"/units/{phuc_xa.id}").get_data(as_text=True)
    assert 'data-testid="move-users"' in page and f'value="{hong_ha.id}"' in page

    still_open = client.post(f"/units/{hong_ha.id}/move-users", data={"target": Unit.by_code("01").id})
    assert still_open.status_code == 422
    closed_target = client.post(f"/units/{phuc_xa.id}/move-users", data={"target": Unit.by_code("001").id})
    assert closed_target.status_code == 422
    assert {u.unit_id for u in db.session.scalars(sa.select(User).where(User.username.like("%phucxa")))} == {phuc_xa.id}

    moved = client.post(f"/units/{phuc_xa.id}/move-users", data={"target": hong_ha.id})
    assert moved.status_code == 302
    db.session.expire_all()
    assert {u.unit.name for u in db.session.scalars(sa.select(User).where(User.username.like("%phucxa")))} == \
        {"Phường Hồng Hà"}
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.move")).all()
    assert len(entries) == 2 and all(e.changes["unit"] == ["00001", "00097"] for e in entries)
    auth.logout()
    assert auth.login("vp_phucxa").status_code == 302  # the sign-in still works


def test_predecessors_are_loaded_once(hanoi, runner):
    links = count(UnitSuccession)
    assert links == 794
    again = runner.invoke(args=["import-units", str(DATA / "hanoi_2025_predecessors.csv")])
    assert again.exit_code == 0 and count(UnitSuccession) == links
