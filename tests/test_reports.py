"""The targets report: figures, per-year thresholds, the page, the drill-down, the API, access."""
from datetime import date, datetime, timedelta, timezone

import pytest

from scheduler.extensions import db
from scheduler.reports import services
from scheduler.reports.periods import calendar_period, custom_period, statutory_period
from scheduler.reports.targets import active_targets, ensure_default_targets, get_target
from tests.factories import local

NOW = datetime(2025, 12, 1, tzinfo=timezone.utc)


def figures(actor, scope, period, now=NOW, today=date(2025, 12, 1)):
    reports = services.target_reports(actor, scope, period, now, today)
    return {r.target.code: services.report_as_dict(r) for r in reports}


def test_defaults_are_seeded_once(app):
    assert ensure_default_targets() == 5
    assert ensure_default_targets() == 0
    online_80 = get_target("online_80")
    assert set(online_80.categories) == {"trien_khai", "so_ket", "tong_ket", "tap_huan"}
    assert float(online_80.threshold_for(2026)) == 80.0
    assert float(get_target("online_30").threshold_for(2026)) == 30.0
    assert [t.code for t in active_targets()] == ["online_80", "online_30", "ward_vc", "ward_wan",
                                                  "paperless"]
    # the paperless share comes with no threshold: the city sets it
    assert get_target("paperless").threshold_for(2026) is None


def test_share_counts_held_online_over_held(tree, create_meeting):
    admin = tree.users.admin
    for mode in ("online", "hybrid", "online", "in_person", "in_person"):
        create_meeting(tree.phuc_xa, local(2025, 3, 10), mode=mode, category="trien_khai",
                       status="held")
    create_meeting(tree.phuc_xa, local(2025, 3, 11), category="giao_ban", mode="online",
                   status="held")
    got = figures(admin, tree.city, calendar_period("year", 2025))
    assert (got["online_80"]["numerator"], got["online_80"]["denominator"]) == (3, 5)
    assert got["online_80"]["share"] == 60.0 and got["online_80"]["met"] is False
    assert got["online_30"]["share"] == 100.0 and got["online_30"]["met"] is True


def test_no_data_is_neither_zero_nor_hundred(tree):
    got = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 2))
    assert got["online_80"]["denominator"] == 0
    assert got["online_80"]["share"] is None and got["online_80"]["met"] is None
    assert got["online_80"]["planned_share"] is None


def test_series_occurrences_count_one_by_one(tree, create_meeting):
    create_meeting(tree.phuc_xa, local(2025, 4, 1), mode="online",
                   extra_starts=[local(2025, 4, 8), local(2025, 4, 15), local(2025, 5, 6)],
                   category="trien_khai", status="held")
    got = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 4))
    assert got["online_80"]["denominator"] == 3
    year = figures(tree.users.admin, tree.city, calendar_period("year", 2025))
    assert [(t["month"], t["denominator"]) for t in year["online_80"]["trend"]][3:5] == \
        [("2025-04", 3), ("2025-05", 1)]


def test_cancellations_are_excluded(tree, create_meeting):
    create_meeting(tree.phuc_xa, local(2025, 4, 1), mode="in_person", status="cancelled",
                   category="trien_khai")
    create_meeting(tree.phuc_xa, local(2025, 4, 2), mode="in_person",
                   extra_starts=[local(2025, 4, 9)], occurrence_statuses=["held", "cancelled"],
                   category="trien_khai", status="held")
    create_meeting(tree.phuc_xa, local(2025, 4, 3), mode="online", category="trien_khai",
                   status="held")
    got = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 4))
    assert (got["online_80"]["numerator"], got["online_80"]["denominator"]) == (1, 2)


def test_scheduled_but_past_counts_as_held_with_booked_mode(tree, create_meeting):
    now = datetime(2025, 4, 10, 12, tzinfo=timezone.utc)
    create_meeting(tree.phuc_xa, local(2025, 4, 1), mode="online", status="scheduled",
                   category="trien_khai")
    create_meeting(tree.phuc_xa, local(2025, 4, 2), mode="online", status="held", category="trien_khai",
                   held_mode="in_person")  # moved to the meeting room on the day
    create_meeting(tree.phuc_xa, local(2025, 4, 20), mode="online", status="scheduled",
                   category="trien_khai")
    create_meeting(tree.phuc_xa, local(2025, 4, 21), mode="in_person", status="scheduled",
                   category="trien_khai")
    create_meeting(tree.phuc_xa, local(2025, 4, 3), mode="online", status="pending",
                   category="trien_khai")
    got = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 4), now=now)
    assert (got["online_80"]["numerator"], got["online_80"]["denominator"]) == (1, 2)
    assert got["online_80"]["share"] == 50.0
    assert got["online_80"]["planned_share"] == 50.0


def test_local_dates_decide_the_period(tree, create_meeting):
    # 00:30 on 1 May in Hà Nội is still 30 April in UTC: it belongs to May
    create_meeting(tree.phuc_xa, local(2025, 5, 1, 0, 30), mode="online", category="trien_khai",
                   status="held")
    create_meeting(tree.phuc_xa, local(2025, 4, 30, 23, 30), mode="in_person",
                   category="trien_khai", status="held")
    may = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 5))
    april = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 4))
    assert may["online_80"]["share"] == 100.0 and april["online_80"]["share"] == 0.0


def test_decree_09_month_runs_from_15th_to_14th(tree, create_meeting):
    create_meeting(tree.phuc_xa, local(2025, 2, 14, 16), mode="online", category="trien_khai",
                   status="held")  # in Feb's period
    create_meeting(tree.phuc_xa, local(2025, 2, 15, 8), mode="in_person", category="trien_khai",
                   status="held")  # in March's
    create_meeting(tree.phuc_xa, local(2025, 1, 15, 8), mode="online", category="trien_khai",
                   status="held")  # first day of Feb's
    feb = figures(tree.users.admin, tree.city, statutory_period("month", 2025, 2))
    march = figures(tree.users.admin, tree.city, statutory_period("month", 2025, 3))
    assert (feb["online_80"]["numerator"], feb["online_80"]["denominator"]) == (2, 2)
    assert (march["online_80"]["numerator"], march["online_80"]["denominator"]) == (0, 1)


def test_decree_09_trend_runs_by_reporting_month(tree, client, auth, create_meeting):
    """A statutory year's trend has its twelve reporting months (15th to 14th), not the
    thirteen calendar months it touches; a month's drill-down lists that reporting month."""
    create_meeting(tree.phuc_xa, local(2025, 2, 14, 16), mode="online", title="Họp 14 tháng 2",
                   category="trien_khai", status="held")
    create_meeting(tree.phuc_xa, local(2025, 2, 15, 8), mode="in_person", title="Họp 15 tháng 2",
                   category="trien_khai", status="held")
    auth.login("admin")
    body = client.get("/api/v1/reports/targets?period=nd09-year&year=2025").get_json()
    trend = {t["month"]: (t["numerator"], t["denominator"])
             for t in next(r for r in body["targets"] if r["code"] == "online_80")["trend"]}
    assert list(trend) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert trend["2025-02"] == (1, 1) and trend["2025-03"] == (0, 1)
    page = client.get("/reports/drilldown?target=online_80&which=held&in_month=2025-03"
                      "&period=nd09-year&year=2025").get_data(as_text=True)
    assert "Họp 15 tháng 2" in page and "Họp 14 tháng 2" not in page


def test_children_and_below_target(tree, create_meeting):
    create_meeting(tree.phuc_xa, local(2025, 6, 2), mode="online", category="trien_khai",
                   status="held")
    create_meeting(tree.hang_bac, local(2025, 6, 2), mode="in_person", category="trien_khai",
                   status="held")
    create_meeting(tree.city, local(2025, 6, 2), mode="online", category="trien_khai",
                   status="held")
    got = figures(tree.users.admin, tree.city, calendar_period("month", 2025, 6))["online_80"]
    children = {c["code"]: c for c in got["children"]}
    assert children["001"]["share"] == 100.0 and children["001"]["met"] is True
    assert children["002"]["share"] == 0.0 and children["002"]["met"] is False
    assert children["01-STTTT"]["share"] is None
    assert (got["numerator"], got["denominator"]) == (2, 3)  # the city's own meeting counts too


def test_retired_district_keeps_its_meetings(app, create_unit, create_user, create_meeting):
    city = create_unit("01", "Thành phố Hà Nội", "city")
    old = create_unit("001", "Quận Ba Đình", "district", city, valid_to=date(2025, 6, 30))
    ward = create_unit("00001", "Phường Phúc Xá", "ward", old, valid_to=date(2025, 6, 30))
    new_ward = create_unit("00004", "Phường Ba Đình", "ward", city, valid_from=date(2025, 7, 1))
    admin = create_user("admin", "admin", city)
    create_meeting(ward, local(2024, 5, 1), mode="online", category="trien_khai", status="held")
    create_meeting(new_ward, local(2025, 8, 1), mode="in_person", category="trien_khai",
                   status="held")
    y2024 = figures(admin, city, calendar_period("year", 2024))["online_80"]
    assert [c["code"] for c in y2024["children"]] == ["001"]
    assert y2024["children"][0]["share"] == 100.0
    y2025 = figures(admin, city, calendar_period("year", 2025))["online_80"]
    assert {c["code"]: c["denominator"] for c in y2025["children"]} == {"001": 0, "00004": 1}
    y2026 = figures(admin, city, calendar_period("year", 2026))["online_80"]
    assert [c["code"] for c in y2026["children"]] == ["00004"]


def test_threshold_of_the_period_year_with_fallback(tree, create_meeting):
    from scheduler.reports.targets import set_threshold, target_to_change

    target = target_to_change("online_80")  # seeds the defaults, as an admin's edit does
    set_threshold(tree.users.admin, target, 2026, "90")
    for mode in ("online",) * 17 + ("in_person",) * 3:  # 85 %
        create_meeting(tree.phuc_xa, local(2025, 3, 3), mode=mode, category="trien_khai",
                       status="held")
        create_meeting(tree.phuc_xa, local(2026, 3, 3), mode=mode, category="trien_khai",
                       status="held")
        create_meeting(tree.phuc_xa, local(2027, 3, 3), mode=mode, category="trien_khai",
                       status="held")
    now = datetime(2027, 12, 31, tzinfo=timezone.utc)
    for year, threshold, met in ((2025, 80.0, True), (2026, 90.0, False), (2027, 90.0, False)):
        got = figures(tree.users.admin, tree.city, calendar_period("year", year), now=now)
        assert got["online_80"]["threshold"] == threshold and got["online_80"]["met"] is met


@pytest.fixture
def april_meetings(tree, create_meeting):
    create_meeting(tree.phuc_xa, local(2024, 4, 1), mode="online", title="Họp triển khai quý II",
                   category="trien_khai", status="held")
    create_meeting(tree.truc_bach, local(2024, 4, 2), mode="in_person", title="Tập huấn phần mềm",
                   category="tap_huan", status="held")
    create_meeting(tree.hang_bac, local(2024, 4, 3), mode="online", category="giao_ban",
                   status="held")
    db.session.commit()
    return tree


def test_api_shape(april_meetings, client, auth):
    auth.login("admin")
    data = client.get("/api/v1/reports/targets?start=2024-04-01&end=2024-04-30&unit=01").get_json()
    codes = [t["code"] for t in data["targets"]]
    assert codes == ["online_80", "online_30", "ward_vc", "ward_wan", "paperless"]
    t = data["targets"][0]
    assert {k: t[k] for k in ("numerator", "denominator", "share", "met", "threshold")} == \
        {"numerator": 1, "denominator": 2, "share": 50.0, "met": False, "threshold": 80.0}
    assert set(t) >= {"code", "name", "planned_share", "children", "trend"}
    ba_dinh = next(c for c in t["children"] if c["code"] == "001")
    assert ba_dinh["name"] == "Quận Ba Đình" and ba_dinh["denominator"] == 2
    assert t["trend"] == [{"month": "2024-04", "numerator": 1, "denominator": 2, "share": 50.0}]


@pytest.mark.parametrize("query", ["start=2024-13-01&end=2024-12-31", "start=2024-05-01&end=2024-04-01",
                                   "start=abc&end=2024-04-01", "period=week", "period=month&month=13"])
def test_api_bad_dates_are_422(tree, client, auth, query):
    auth.login("admin")
    response = client.get(f"/api/v1/reports/targets?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_api_unit_out_of_reach_is_403(tree, client, auth):
    auth.login("qt_badinh")
    assert client.get("/api/v1/reports/targets?unit=002").status_code == 403
    assert client.get("/api/v1/reports/targets?unit=001").status_code == 200
    assert client.get("/api/v1/reports/targets?unit=99999").status_code == 404


def test_ward_staff_gets_403(tree, client, auth):
    auth.login("vp_phucxa")
    assert client.get("/reports").status_code == 403
    assert client.get("/api/v1/reports/targets").status_code == 403
    assert client.get("/reports/export.xlsx").status_code == 403


def test_page_shows_gauges_table_and_drilldown(april_meetings, client, auth, create_meeting):
    create_meeting(april_meetings.hang_bac, local(2024, 4, 4), mode="in_person",
                   category="trien_khai", status="held")
    db.session.commit()
    auth.login("lanhdao")
    page = client.get("/reports?start=2024-04-01&end=2024-04-30&sort=share_asc").get_data(as_text=True)
    assert page.count('<svg class="gauge"') == 5 and '<svg class="trend"' in page
    assert "33,3 %" in page and "below-target" in page  # decimal comma in Vietnamese
    assert page.index('data-unit="002"') < page.index('data-unit="001"')  # 0 % before 50 %
    drill = client.get("/reports/drilldown?target=online_80&unit=001&which=held"
                       "&start=2024-04-01&end=2024-04-30").get_data(as_text=True)
    assert "Họp triển khai quý II" in drill and "Tập huấn phần mềm" in drill
    meeting_id = db.session.scalar(db.select(db.text("id")).select_from(db.text("meeting"))
                                   .where(db.text("title = 'Họp triển khai quý II'")))
    assert f"/meetings/{meeting_id}" in drill
    online = client.get("/reports/drilldown?target=online_80&unit=001&which=online"
                        "&start=2024-04-01&end=2024-04-30").get_data(as_text=True)
    assert "Họp triển khai quý II" in online and "Tập huấn phần mềm" not in online


def test_district_viewer_sees_own_subtree_only(april_meetings, client, auth):
    auth.login("xem_badinh")
    page = client.get("/reports?start=2024-04-01&end=2024-04-30")
    assert page.status_code == 200 and "Quận Ba Đình" in page.get_data(as_text=True)
    assert client.get("/reports?unit=002&start=2024-04-01&end=2024-04-30").status_code == 403
    assert client.get("/reports/drilldown?target=online_80&unit=01").status_code == 403


def test_custom_period_is_bounded():
    with pytest.raises(Exception):
        custom_period(date(2020, 1, 1), date(2025, 1, 1))


def test_custom_period_far_in_the_future_is_refused_not_a_crash(tree, client, auth):
    auth.login("admin")
    response = client.get("/api/v1/reports/targets?start=9999-12-01&end=9999-12-31")
    assert response.status_code == 422 and "1990" in response.get_json()["error"]["message"]


def test_met_is_decided_on_the_exact_share_not_the_rounded_one():
    from decimal import Decimal

    from scheduler.reports.services import Figure

    almost = Figure(numerator=1599, denominator=2000, threshold=Decimal("80"))
    assert almost.share == 80.0 and almost.met is False  # 79.95 % shows as 80.0 %
    assert Figure(numerator=4, denominator=5, threshold=Decimal("80")).met is True
    assert Figure(numerator=0, denominator=0, threshold=Decimal("80")).met is None
