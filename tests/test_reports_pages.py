"""The report pages as a user meets them (signed in through the test client): every period
kind, the trend chart and its drill-down per month, the sortable per-unit table, the Excel
workbook read back cell by cell, the CSV, the targets' settings, and the coverage page's
headline and chart over time."""
import csv
import io
import re
from datetime import date, datetime, timezone

import openpyxl
import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.reports import coverage
from scheduler.reports.models import TargetThreshold
from scheduler.reports.targets import get_target
from scheduler.units.models import Unit
from tests.conftest import count
from tests.factories import local


@pytest.fixture
def april(april_2024, create_meeting):
    """April 2024 (tests/factories.py) plus a giao ban held online, a category the online
    target does not count."""
    create_meeting(april_2024.hang_bac, local(2024, 4, 3, 14), mode="online", category="giao_ban",
                   title="Giao ban tuần", status="held")
    db.session.commit()
    return april_2024


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def shown_share(html: str, target: str) -> str:
    card = html.split(f'data-target="{target}"')[1]
    return re.search(r'data-testid="share">(.*?)</dd>', card, re.S).group(1).strip()


def drill_total(client, url: str) -> int:
    return int(re.search(r'data-testid="drill-total">(\d+)<', page(client, url)).group(1))


@pytest.mark.parametrize("query, label", [
    ("period=month&year=2024&month=4", "Tháng 4/2024: 01/04/2024 – 30/04/2024"),
    ("period=quarter&year=2024&q=2", "Quý 2/2024: 01/04/2024 – 30/06/2024"),
    ("period=half&year=2024&h=1", "6 tháng đầu năm 2024: 01/01/2024 – 30/06/2024"),
    ("period=half&year=2024&h=2", "6 tháng cuối năm 2024: 01/07/2024 – 31/12/2024"),
    ("period=year&year=2024", "Năm 2024: 01/01/2024 – 31/12/2024"),
    ("period=nd09-month&year=2024&month=4",
     "Tháng 4/2024 (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP): 15/03/2024 – 14/04/2024"),
    ("period=nd09-quarter&year=2024&q=2",
     "Quý 2/2024 (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP): 15/03/2024 – 14/06/2024"),
    ("period=nd09-half&year=2024&h=1",
     "6 tháng đầu năm 2024 (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP): 15/12/2023 – 14/06/2024"),
    ("period=nd09-year&year=2024",
     "Năm 2024 (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP): 15/12/2023 – 14/12/2024"),
    ("start=2024-04-02&end=2024-04-20", "02/04/2024 – 20/04/2024"),
])
def test_every_period_kind_on_the_page(tree, client, auth, query, label):
    auth.login("lanhdao")
    html = page(client, f"/reports?{query}")
    assert label in html
    assert html.count('<svg class="gauge"') == 5


def test_period_bounds_decide_what_counts(tree, client, auth, create_meeting):
    """Days on each side of the statutory and calendar boundaries."""
    for day, mode in (((2023, 12, 14), "online"), ((2023, 12, 15), "online"),
                      ((2024, 6, 14), "online"), ((2024, 6, 15), "online"),
                      ((2024, 6, 30), "in_person"), ((2024, 7, 1), "in_person"),
                      ((2024, 12, 14), "online"), ((2024, 12, 15), "in_person")):
        create_meeting(tree.phuc_xa, local(*day, 9), mode=mode, category="trien_khai",
                       status="held")
    db.session.commit()
    auth.login("lanhdao")
    expected = {  # online / held of online_80
        "period=nd09-year&year=2024": (4, 6),      # 15/12/2023 .. 14/12/2024
        "period=year&year=2024": (3, 6),           # 01/01 .. 31/12
        "period=nd09-half&year=2024&h=1": (2, 2),  # 15/12/2023 .. 14/06/2024
        "period=half&year=2024&h=1": (2, 3),       # 01/01 .. 30/06
        "period=half&year=2024&h=2": (1, 3),       # 01/07 .. 31/12
        "period=nd09-half&year=2024&h=2": (2, 4),  # 15/06 .. 14/12
        "start=2024-06-14&end=2024-06-15": (2, 2),
    }
    for query, (online, held) in expected.items():
        data = client.get(f"/api/v1/reports/targets?{query}").get_json()
        t = data["targets"][0]
        assert (t["numerator"], t["denominator"]) == (online, held), query
        html = page(client, f"/reports?{query}")
        assert shown_share(html, "online_80") == f"{100 * online / held:.1f} %".replace(".", ","), query


def test_month_period_page_and_trend_drilldown(april, client, auth):
    """A month period names its month `month`; the trend's per-month drill-down must not
    collide with it (it used to be a 500)."""
    auth.login("admin")
    html = page(client, "/reports?period=month&year=2024&month=4")
    assert shown_share(html, "online_80") == "66,7 %"
    links = re.findall(r'<a href="([^"]+)" data-month="2024-04">', html)
    assert len(links) == 3  # one bar per meeting share target (online 80, online 30, paperless)
    url = links[0].replace("&amp;", "&")
    assert "in_month=2024-04" in url and "month=4" in url
    assert drill_total(client, url) == 3
    # every figure leads to its meetings: the gauge, and the child's share and planned share
    card = html.split('data-target="online_80"')[1]
    gauge = re.search(r'data-testid="drill-gauge" href="([^"]+)"', card).group(1)
    assert drill_total(client, gauge.replace("&amp;", "&")) == 3
    ba_dinh = card.split('data-unit="001"')[1].split("</tr>")[0]
    share = re.search(r'data-testid="drill-share" href="([^"]+)"', ba_dinh).group(1)
    assert drill_total(client, share.replace("&amp;", "&")) == 2
    planned = re.search(r'data-testid="drill-planned" href="([^"]+)"', ba_dinh).group(1)
    assert drill_total(client, planned.replace("&amp;", "&")) == 0


def test_trend_chart_has_a_bar_per_month_with_data(april, client, auth, create_meeting):
    create_meeting(april.phuc_xa, local(2024, 9, 9), mode="in_person", category="trien_khai",
                   status="held")
    db.session.commit()
    auth.login("admin")
    html = page(client, "/reports?period=year&year=2024")
    card = html.split('data-target="online_80"')[1].split("</section>")[0]
    chart = card.split('<svg class="trend"')[1].split("</svg>")[0]
    assert [m for m in re.findall(r">(\d\d/24)</text>", chart)] == \
        [f"{m:02d}/24" for m in range(1, 13)]
    assert "2024-04: 66,7 %" in chart and "2024-09: 0 %" in chart  # 2 of 3, then 0 of 1
    assert chart.count("Chưa có dữ liệu") == 10  # the other months: no data, not 0 %
    september = re.search(r'<a href="([^"]+)" data-month="2024-09">', chart).group(1)
    drill = page(client, september.replace("&amp;", "&"))
    assert 'data-testid="drill-total">1<' in drill and "09/09/2024" in drill


def test_per_unit_table_sorts_and_highlights(april, client, auth):
    auth.login("admin")
    base = "/reports?start=2024-04-01&end=2024-04-30"

    def order(sort):
        html = page(client, f"{base}&sort={sort}")
        table = html.split('data-testid="children-online_80"')[1].split("</table>")[0]
        return re.findall(r'<tr data-unit="([^"]+)" class="([^"]*)"', table)

    by_share = order("share_desc")
    assert [u for u, _c in by_share] == ["002", "001", "01-STTTT"]  # no data last
    assert [("below-target" in c) for _u, c in by_share] == [False, True, False]
    assert [u for u, _c in order("share_asc")] == ["001", "002", "01-STTTT"]
    assert [u for u, _c in order("name")] == ["001", "002", "01-STTTT"]  # Quận Ba… < Quận Ho… < Sở
    assert [u for u, _c in order("code")] == ["001", "002", "01-STTTT"]
    assert [u for u, _c in order("nonsense")] == ["002", "001", "01-STTTT"]


def test_drilldown_of_planned_meetings_and_bad_kind(tree, client, auth, create_meeting):
    future = datetime.now(timezone.utc).astimezone().replace(microsecond=0)
    start = local(future.year + 1, 3, 2, 9)
    create_meeting(tree.phuc_xa, start, mode="online", status="scheduled", title="Họp sắp tới",
                   category="trien_khai")
    db.session.commit()
    auth.login("admin")
    query = f"target=online_80&unit=01&start={start.year}-03-01&end={start.year}-03-31"
    assert drill_total(client, f"/reports/drilldown?{query}&which=planned") == 1
    assert drill_total(client, f"/reports/drilldown?{query}&which=held") == 0
    response = client.get(f"/reports/drilldown?{query}&which=everything")
    assert response.status_code == 422
    assert "Loại số liệu không hợp lệ" in response.get_data(as_text=True)
    assert client.get(f"/reports/drilldown?{query}&in_month=2024-13").status_code == 422
    assert client.get("/reports/drilldown?target=nope&unit=01").status_code == 404


def test_excel_workbook_cell_by_cell(april, client, auth):
    auth.login("lanhdao")
    response = client.get("/reports/export.xlsx?period=month&year=2024&month=4&unit=01")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="bao-cao-chi-tieu-01-20240401-20240430.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["online_80", "online_30", "ward_vc", "ward_wan", "paperless"]
    label = "Tháng 4/2024: 01/04/2024 – 30/04/2024"
    headers = ["Mã đơn vị", "Đơn vị", "Tử số (trực tuyến / đạt)", "Mẫu số (tổng số)", "Tỷ lệ (%)",
               "Chỉ tiêu (%)", "Đánh giá", "Tỷ lệ kế hoạch (%)"]

    sheet = book["online_80"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Họp triển khai, sơ kết, tổng kết, tập huấn trực tuyến"
    assert values[1][:2] == ["Phạm vi", "Thành phố Hà Nội (01)"]
    assert values[2][:2] == ["Kỳ báo cáo", label]
    assert values[4] == headers
    assert values[5] == ["01", "Thành phố Hà Nội", 2, 3, 66.7, 80.0, "Không đạt", None]
    assert values[6] == ["001", "Quận Ba Đình", 1, 2, 50.0, 80.0, "Không đạt", None]
    assert values[7] == ["002", "Quận Hoàn Kiếm", 1, 1, 100.0, 80.0, "Đạt", None]
    assert values[8] == ["01-STTTT", "Sở Thông tin và Truyền thông", 0, 0, None, 80.0,
                         "Chưa có dữ liệu", None]
    assert sheet["A5"].font.bold
    assert sheet["A7"].fill.fgColor.rgb.endswith("F8D7DA")  # below target, as on the page
    assert sheet["A8"].fill.fill_type is None
    assert values[10][:4] == ["Tháng", "Tử số", "Mẫu số", "Tỷ lệ (%)"]
    assert values[11][:4] == ["2024-04", 2, 3, 66.7]

    online_30 = [[c.value for c in row] for row in book["online_30"].iter_rows()]
    assert online_30[5] == ["01", "Thành phố Hà Nội", 1, 1, 100.0, 30.0, "Đạt", None]

    # wards existing on 30/04/2024 with video conference: Phúc Xá, Trúc Bạch; not Hàng Bạc
    ward_vc = [[c.value for c in row] for row in book["ward_vc"].iter_rows()]
    assert ward_vc[0][0] == "Phường/xã có hệ thống hội nghị truyền hình"
    assert ward_vc[5][:7] == ["01", "Thành phố Hà Nội", 2, 3, 66.7, 100.0, "Không đạt"]
    assert ward_vc[6][:7] == ["001", "Quận Ba Đình", 2, 2, 100.0, 100.0, "Đạt"]
    assert ward_vc[7][:7] == ["002", "Quận Hoàn Kiếm", 0, 1, 0.0, 100.0, "Không đạt"]


def test_csv_export(april, client, auth):
    auth.login("lanhdao")
    response = client.get("/reports/export.csv?start=2024-04-01&end=2024-04-30")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Mã chỉ tiêu", "Chỉ tiêu", "Kỳ báo cáo", "Mã đơn vị", "Đơn vị",
                       "Tử số (trực tuyến / đạt)", "Mẫu số (tổng số)", "Tỷ lệ (%)", "Chỉ tiêu (%)",
                       "Đánh giá", "Tỷ lệ kế hoạch (%)"]
    by_key = {(r[0], r[3]): r for r in rows[1:]}
    assert len(rows) == 1 + 5 * 4  # each target: the city and its three children
    assert by_key[("online_80", "001")][4:] == ["Quận Ba Đình", "1", "2", "50.0", "80.0",
                                                "Không đạt", ""]
    assert by_key[("online_80", "01-STTTT")][5:10] == ["0", "0", "", "80.0", "Chưa có dữ liệu"]
    assert by_key[("ward_wan", "01")][5:10] == ["2", "3", "66.7", "100.0", "Không đạt"]
    assert by_key[("online_80", "01")][2] == "01/04/2024 – 30/04/2024"


def test_staff_cannot_export_or_see_coverage(tree, client, auth):
    auth.login("vp_phucxa")
    for url in ("/reports/export.csv", "/reports/export.xlsx", "/reports/coverage",
                "/reports/drilldown?target=online_80", "/api/v1/reports/connectivity"):
        assert client.get(url).status_code == 403, url


def test_admin_edits_targets_on_the_settings_page(april, client, auth):
    auth.login("admin")
    html = page(client, "/reports/settings")
    assert html.count("<section class=\"card mb-3\" data-target=") == 5
    response = client.post("/reports/settings/online_80", data={
        "online_80-name": "Họp triển khai trực tuyến", "online_80-categories": ["trien_khai"]})
    assert response.status_code == 302
    response = client.post("/reports/settings/online_80/thresholds", data={
        "online_80-th-year": "2024", "online_80-th-percent": "45"})
    assert response.status_code == 302
    target = get_target("online_80")
    assert (target.name, target.categories) == ("Họp triển khai trực tuyến", ["trien_khai"])
    assert float(target.threshold_for(2024)) == 45.0 and float(target.threshold_for(2023)) == 80.0
    # the report now counts trien_khai only (Phúc Xá's online meeting) against 45 %
    data = client.get("/api/v1/reports/targets?start=2024-04-01&end=2024-04-30").get_json()
    t = data["targets"][0]
    assert (t["name"], t["numerator"], t["denominator"], t["threshold"], t["met"]) == \
        ("Họp triển khai trực tuyến", 1, 1, 45.0, True)
    assert {e.action for e in db.session.scalars(sa.select(AuditEntry))} == \
        {"target.update", "target.threshold"}

    # bad input: a clear message, nothing written
    before = count(TargetThreshold)
    for data in ({"online_80-th-year": "2024", "online_80-th-percent": "120"},
                 {"online_80-th-year": "năm", "online_80-th-percent": "50"}):
        response = client.post("/reports/settings/online_80/thresholds", data=data)
        assert response.status_code == 422
        assert "Dữ liệu không hợp lệ" in response.get_data(as_text=True)
    response = client.post("/reports/settings/online_80", data={
        "online_80-name": "X", "online_80-categories": ["không_có"]})
    assert response.status_code == 422
    assert count(TargetThreshold) == before and get_target("online_80").categories == ["trien_khai"]

    # the seeded year's threshold is the last one and cannot go; the new one can
    assert client.post("/reports/settings/online_80/thresholds/2024/delete").status_code == 302
    assert client.post("/reports/settings/online_80/thresholds/2018/delete").status_code == 422


def test_viewers_cannot_edit_targets(tree, client, auth):
    auth.login("lanhdao")
    assert client.get("/reports/settings").status_code == 403
    response = client.post("/reports/settings/online_80/thresholds", data={
        "online_80-th-year": "2024", "online_80-th-percent": "10"})
    assert response.status_code == 403
    assert count(AuditEntry) == 0


def _many_wards(city: Unit, n: int, wan: int, vc: int) -> None:
    """`n` wards under a district, with endpoints: the first `wan` on the WAN since 2018,
    the first `vc` with video conference since 2019."""
    district = Unit(code="001", name="Quận Ba Đình", kind="district", parent_id=city.id,
                    path="")
    db.session.add(district)
    db.session.flush()
    district.path = f"{city.path}{district.id}/"
    db.session.execute(sa.insert(Unit), [
        dict(code=f"{i:05d}", name=f"Phường {i}", kind="ward", parent_id=district.id,
             path="") for i in range(1, n + 1)])
    db.session.execute(sa.update(Unit).where(Unit.kind == "ward").values(
        path=district.path + sa.cast(Unit.id, sa.String) + "/"))
    ids = db.session.scalars(sa.select(Unit.id).where(Unit.kind == "ward").order_by(Unit.id)).all()
    db.session.execute(sa.insert(Endpoint), [
        dict(unit_id=uid, name=f"Điểm cầu {i}", protocol="sip", active=True, state="unknown",
             wan_connected_on=date(2018, 1, 1) if i < wan else None,
             vc_deployed_on=date(2019, 1, 1) if i < vc else None) for i, uid in enumerate(ids)])
    db.session.commit()


def test_coverage_headline_in_the_plans_words(app, create_unit, create_user, client, auth):
    city = create_unit("01", "Thành phố Hà Nội", "city")
    create_user("lanhdao", "viewer", city)
    _many_wards(city, 584, wan=584, vc=550)
    auth.login("lanhdao")
    html = page(client, "/reports/coverage?date=2019-06-30")
    assert "584/584 xã, phường, thị trấn kết nối mạng diện rộng" in html
    assert "94,2 % UBND các xã, phường được triển khai hệ thống hội nghị truyền hình" in html
    data = client.get("/api/v1/reports/connectivity?date=2019-06-30").get_json()
    assert data["headlines"][0] == "584/584 xã, phường, thị trấn kết nối mạng diện rộng"
    assert (data["wards_total"], data["wan_connected"], data["vc_deployed"]) == (584, 584, 550)
    assert len(data["unconnected"]) == 34
    assert data["by_unit"] == [{"code": "001", "name": "Quận Ba Đình", "wards_total": 584,
                                "wan_connected": 584, "vc_deployed": 550}]
    early = client.get("/api/v1/reports/connectivity?date=2018-06-30").get_json()
    assert early["headlines"][0] == "584/584 xã, phường, thị trấn kết nối mạng diện rộng"
    assert early["vc_deployed"] == 0


def test_coverage_over_time_chart(tree, client, auth):
    """The chart's points follow the recorded history month by month."""
    from scheduler.reports.coverage_views import month_ends

    coverage.record_fact(tree.users.admin, tree.hang_bac, "wan", True, date(2024, 3, 10),
                         today=date(2024, 12, 31))
    db.session.commit()
    days = month_ends(date(2024, 4, 15), 3)
    assert days == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 15)]
    points = coverage.coverage_over_time(tree.city, days)
    assert [(c["total"], c["wan"], c["vc"]) for _d, c in points] == \
        [(3, 2, 2), (3, 3, 2), (3, 3, 2)]
    auth.login("lanhdao")
    html = page(client, "/reports/coverage?date=2024-04-15")
    chart = html.split('<svg class="coverage-chart"')[1].split("</svg>")[0]
    wan_line = re.search(r'<polyline points="([^"]+)" fill="none" stroke="#0d6efd"', chart).group(1)
    heights = [float(p.split(",")[1]) for p in wan_line.split()]
    assert len(heights) == 76  # month by month since January 2018
    # 2/3 of the wards on the WAN until February 2024, all three from March: the line rises once
    assert heights[:-2] == [heights[0]] * 74 and heights[-2] == heights[-1] < heights[0]


def test_drilldown_of_a_retired_ward_whose_code_was_reused(client, auth, reform, create_meeting):
    """In 2025 the code 00004 was Phường Trúc Bạch until 30 June and Phường Ba Đình from
    1 July: the district's table links to the retired ward's own meetings."""
    city, d1, old, new, users = reform
    create_meeting(old[1], local(2025, 3, 3), title="Họp cũ Trúc Bạch", category="trien_khai",
                   mode="online", status="held")
    create_meeting(new[0], local(2025, 9, 8), title="Họp mới Ba Đình", category="trien_khai",
                   mode="online", status="held")
    db.session.commit()
    auth.login("admin")
    html = client.get("/reports?unit=001&period=year&year=2025").get_data(as_text=True)
    row = re.search(r'<tr data-unit="00004".*?</tr>', html, re.S)[0]
    link = re.search(r'data-testid="drill-held" href="([^"]+)"', row)[1].replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    assert "Họp cũ Trúc Bạch" in page and "Họp mới Ba Đình" not in page
    # the ward's own report, reached from its name, is the retired ward's too
    own = re.search(r'<a href="(/reports\?[^"]+)">Phường Trúc Bạch</a>', row)[1].replace("&amp;", "&")
    ward_page = client.get(own).get_data(as_text=True)
    assert "Phường Trúc Bạch" in ward_page and "Phường Ba Đình" not in ward_page


@pytest.mark.parametrize("url", ["/reports?unit={code}&period=year", "/reports/coverage?unit={code}"])
def test_the_unit_picker_names_the_report_unit_once(tree, client, auth, url):
    """The picker's options are rows read for the page (not ORM objects): the unit shown is
    the one selected option, whether it is among the choices (a district) or added (a ward)."""
    auth.login("admin")
    for unit in (tree.hoan_kiem, tree.hang_bac):
        html = page(client, url.format(code=unit.code))
        picker = html.split('id="unit" name="unit">')[1].split("</select>")[0]
        options = re.findall(r'<option value="([^"]+)" ?(selected)?', picker)
        assert [code for code, selected in options if selected] == [unit.code], (unit.code, options)
        assert [code for code, _ in options].count(unit.code) == 1
