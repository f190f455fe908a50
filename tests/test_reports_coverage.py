"""Ward coverage: wards existing on a day, their WAN / video-conference facts (from endpoint
dates or the recorded history), before and after the 2025 reform."""
from datetime import date

import pytest

from scheduler.audit.models import AuditEntry
from scheduler.extensions import db
from scheduler.reports import coverage
from scheduler.endpoints.models import ConnectionFactChange
from tests.conftest import count


def test_coverage_before_and_after_the_reform(reform):
    city, d1, old, new, users = reform
    before = coverage.connectivity(users["admin"], city, date(2025, 6, 30))
    assert (before["wards_total"], before["wan_connected"], before["vc_deployed"]) == (3, 3, 3)
    assert [(u["code"], u["wards_total"]) for u in before["by_unit"]] == [("001", 2), ("002", 1)]
    assert before["unconnected"] == []
    assert coverage.headlines(before)[0] == "3/3 xã, phường, thị trấn kết nối mạng diện rộng"
    assert coverage.headlines(before)[1] == \
        "100 % UBND các xã, phường được triển khai hệ thống hội nghị truyền hình"
    after = coverage.connectivity(users["admin"], city, date(2025, 7, 1))
    assert (after["wards_total"], after["wan_connected"], after["vc_deployed"]) == (2, 2, 1)
    assert after["by_unit"] == []  # wards sit straight under the city now
    assert after["unconnected"] == [{"code": "00008", "name": "Phường Ngọc Hà", "parent": "01",
                                     "wan_connected": True, "vc_deployed": False}]
    before_2018 = coverage.connectivity(users["admin"], city, date(2017, 12, 31))
    assert (before_2018["wards_total"], before_2018["wan_connected"]) == (3, 0)


def test_history_overrides_endpoint_dates_from_its_day(reform):
    city, _d1, _old, new, users = reform
    coverage.record_fact(users["ward_admin"], new[1], "vc", True, date(2025, 9, 1),
                         today=date(2025, 10, 1))
    coverage.record_fact(users["admin"], new[0], "wan", False, date(2025, 8, 15),
                         today=date(2025, 10, 1))
    db.session.commit()
    aug = coverage.connectivity(users["admin"], city, date(2025, 8, 31))
    assert (aug["wan_connected"], aug["vc_deployed"]) == (1, 1)
    sep = coverage.connectivity(users["admin"], city, date(2025, 9, 1))
    assert (sep["wan_connected"], sep["vc_deployed"]) == (1, 2)
    assert count(ConnectionFactChange) == 2
    assert {e.action for e in db.session.scalars(db.select(AuditEntry))} == {"connection_fact.record"}


def test_only_admins_of_the_ward_record_facts(reform):
    from scheduler.core.errors import Forbidden, ValidationError

    city, _d1, old, new, users = reform
    with pytest.raises(Forbidden):
        coverage.record_fact(users["other_admin"], new[1], "vc", True, date(2025, 9, 1),
                             today=date(2025, 10, 1))
    with pytest.raises(ValidationError):  # a ward that no longer exists then
        coverage.record_fact(users["admin"], old[0], "vc", True, date(2025, 9, 1),
                             today=date(2025, 10, 1))
    with pytest.raises(ValidationError):  # the future
        coverage.record_fact(users["ward_admin"], new[1], "vc", True, date(2025, 10, 2),
                             today=date(2025, 10, 1))
    assert count(ConnectionFactChange) == 0


def test_api_and_page(reform, client, auth):
    auth.login("lanhdao")
    data = client.get("/api/v1/reports/connectivity?unit=01&date=2025-06-30").get_json()
    assert set(data) >= {"wards_total", "wan_connected", "vc_deployed", "reachable", "by_unit",
                         "unconnected"}
    assert data["wards_total"] == 3 and data["by_unit"][0] == {
        "code": "001", "name": "Quận Ba Đình", "wards_total": 2, "wan_connected": 2, "vc_deployed": 2}
    assert client.get("/api/v1/reports/connectivity?date=2025-02-30").status_code == 422
    page = client.get("/reports/coverage?date=2025-07-01").get_data(as_text=True)
    assert "2/2 xã, phường kết nối mạng diện rộng" in page
    assert "50 % UBND các xã, phường" in page and '<svg class="coverage-chart"' in page
    assert 'data-testid="fact-form"' not in page  # viewers do not edit


def test_unit_admin_records_a_fact_through_the_form(reform, client, auth):
    _city, _d1, _old, new, _users = reform
    auth.login("qt_ngocha")
    page = client.get("/reports/coverage").get_data(as_text=True)
    assert 'data-testid="fact-form"' in page and "Phường Ba Đình" not in page.split('data-testid="fact-form"')[1]
    response = client.post("/reports/coverage/facts", data={
        "ward": str(new[1].id), "fact": "vc", "value": "1", "effective_on": "2025-09-01"})
    assert response.status_code == 302
    change = db.session.scalars(db.select(ConnectionFactChange)).one()
    assert (change.unit_id, change.fact, change.value, change.effective_on) == \
        (new[1].id, "vc", True, date(2025, 9, 1))
    bad = client.post("/reports/coverage/facts", data={
        "ward": str(new[0].id), "fact": "vc", "value": "1", "effective_on": "2025-09-01"})
    assert bad.status_code == 403
    assert count(ConnectionFactChange) == 1


def test_one_reading_of_the_facts_for_coverage_units_api_and_booking(reform, client, auth):
    """A recorded loss of the video conference shows in the coverage, in the units API and in
    booking (the ward can no longer be invited online), all from the same day."""
    from datetime import timedelta

    from scheduler.core.errors import ValidationError
    from scheduler.core.timeutil import today_local
    from scheduler.meetings import services as meetings
    from tests.booking_helpers import at, request_for

    city, _d1, _old, new, users = reform
    today = today_local()
    coverage.record_fact(users["admin"], new[0], "vc", False, today - timedelta(days=1), today=today)
    db.session.commit()
    assert coverage.connectivity(users["admin"], city, today)["vc_deployed"] == 0
    auth.login("admin")
    listed = {u["code"]: u for u in client.get("/api/v1/units?kind=ward").get_json()["units"]}
    assert listed["00004"]["vc_deployed"] is False and listed["00004"]["wan_connected"] is True
    with pytest.raises(ValidationError) as info:
        meetings.book_meeting(users["admin"], request_for(city, at(5), mode="online",
                                                          participants=["00004"]))
    db.session.rollback()
    assert "Phường Ba Đình" in str(info.value.details)


def test_taking_an_endpoint_out_of_service_keeps_the_wards_past(reform):
    """Deactivating a ward's only endpoint ends its facts from today; the days before keep
    the coverage they had."""
    from scheduler.core.timeutil import today_local
    from scheduler.endpoints.models import Endpoint
    from scheduler.endpoints.services import set_endpoint_active

    city, _d1, old, new, users = reform
    today = today_local()
    past = date(2025, 12, 1)
    before = coverage.connectivity(users["admin"], city, past)
    endpoint = db.session.scalars(db.select(Endpoint).where(Endpoint.unit_id == new[0].id)).one()
    set_endpoint_active(users["admin"], endpoint, False)
    db.session.commit()
    assert coverage.connectivity(users["admin"], city, past) == before
    now = coverage.connectivity(users["admin"], city, today)
    assert (now["wan_connected"], now["vc_deployed"]) == (before["wan_connected"] - 1,
                                                          before["vc_deployed"] - 1)
    # back in service: connected again from today, the past still as it was
    set_endpoint_active(users["admin"], endpoint, True)
    db.session.commit()
    assert coverage.connectivity(users["admin"], city, today)["vc_deployed"] == before["vc_deployed"]
    assert coverage.connectivity(users["admin"], city, past) == before
