"""Security headers on every kind of response, the Allow header of a 405, searches that take
% and _ literally, and exports that never turn a name into a live formula."""
import csv
import io
import re

import openpyxl
import pytest

from scheduler.calendar import feeds
from scheduler.core.security import CONTENT_SECURITY_POLICY
from scheduler.extensions import db
from tests.factories import local


def assert_security_headers(response, hsts: bool = False):
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no nonce needed
    assert directives["frame-ancestors"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in headers) == hsts


def test_headers_on_a_page_the_api_a_feed_and_an_error(tree, client, auth):
    assert_security_headers(client.get("/login"))
    auth.login("vp_phucxa")
    assert_security_headers(client.get("/"))
    assert_security_headers(client.get("/api/v1/units"))
    assert_security_headers(client.get("/no-such-page"))
    raw = feeds.change_feed_token(tree.users.admin, "unit", tree.phuc_xa, "regenerate")
    db.session.commit()
    feed = client.get(f"/calendar/unit/{raw}.ics")
    assert feed.status_code == 200
    assert_security_headers(feed)


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_hsts_once_cookies_are_secure(app, client):
    response = client.get("/login", base_url="https://localhost")
    assert_security_headers(response, hsts=True)
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_pages_carry_no_inline_script_or_style(tree, client, auth, create_room):
    """What the policy would refuse in a browser (tests/browser checks the live pages too)."""
    create_room(tree.phuc_xa)
    db.session.commit()
    auth.login("admin")
    for url in ("/", "/login", "/meetings/new", "/reports/targets", "/rooms", "/users",
                "/meetings/week", "/account"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert " style=" not in html, url
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'self'")


def test_405_names_the_allowed_methods(tree, client, auth):
    response = client.get("/logout")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"POST"}
    auth.login("admin")
    api = client.delete("/api/v1/units")
    assert api.status_code == 405 and api.json["error"]["code"] == "method_not_allowed"
    assert "GET" in api.headers["Allow"]


def test_searches_take_percent_and_underscore_literally(tree, client, auth, create_user,
                                                        create_room):
    create_user("ketoan1", "staff", tree.phuc_xa, full_name="Kế toán 100%")
    create_user("ketoan2", "staff", tree.phuc_xa, full_name="Kế toán 1000")
    create_room(tree.phuc_xa, name="Phòng 50% diện tích")
    create_room(tree.phuc_xa, name="Phòng 500")
    create_room(tree.phuc_xa, name="Phòng A_1")
    create_room(tree.phuc_xa, name="Phòng AB1")
    db.session.commit()
    auth.login("qt_badinh")
    users = client.get("/users?q=100%25").get_data(as_text=True)
    assert 'data-user="ketoan1"' in users and 'data-user="ketoan2"' not in users
    every = client.get("/users?q=%25").get_data(as_text=True)
    assert 'data-user="ketoan1"' in every and 'data-user="vp_phucxa"' not in every
    rooms = client.get("/rooms?q=50%25").get_data(as_text=True)
    assert "Phòng 50% diện tích" in rooms and "Phòng 500" not in rooms
    underscore = client.get("/rooms?q=A_1").get_data(as_text=True)
    assert "Phòng A_1" in underscore and "Phòng AB1" not in underscore


@pytest.fixture
def formula_names(tree, create_meeting):
    """Unit and target names a spreadsheet would run as formulas, and a meeting so that the
    figures are numbers (negative ones too would stay numbers)."""
    tree.ba_dinh.name = "=HYPERLINK(\"http://evil.example\",\"Ba Đình\")"
    tree.hoan_kiem.name = "+cmd|' /C calc'!A0"
    tree.dept.name = "@SUM(1+1)"
    tree.city.name = "-2+3"
    from scheduler.reports.targets import target_to_change

    target_to_change("online_80").name = "\tTab đầu dòng"
    create_meeting(tree.phuc_xa, local(2024, 4, 1), mode="online", title="Họp triển khai",
                   category="trien_khai", status="held")
    db.session.commit()
    return tree


def test_excel_export_writes_formula_like_names_as_text(formula_names, client, auth):
    auth.login("admin")
    response = client.get("/reports/export.xlsx?period=month&year=2024&month=4&unit=01")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["online_80"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=6, max_row=9)}
    for code, name in (("001", "=HYPERLINK(\"http://evil.example\",\"Ba Đình\")"),
                       ("002", "+cmd|' /C calc'!A0"), ("01-STTTT", "@SUM(1+1)"),
                       ("01", "-2+3")):
        cell = rows[code][1]
        assert cell.value == name and cell.data_type == "s" and cell.quotePrefix, code
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == "\tTab đầu dòng"
    numbers = rows["01"]
    assert numbers[2].value == 1 and numbers[2].data_type == "n"
    assert numbers[4].value == 100.0 and numbers[4].data_type == "n"
    # nothing in the workbook is a formula
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert not [c.coordinate for s in book for row in s.iter_rows() for c in row
                if c.data_type == "f"]


def test_csv_export_prefixes_formula_like_fields(formula_names, client, auth):
    auth.login("admin")
    response = client.get("/reports/export.csv?period=month&year=2024&month=4&unit=01")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_key = {(r[0], r[3]): r for r in rows[1:]}
    assert by_key[("online_80", "001")][4] == "'=HYPERLINK(\"http://evil.example\",\"Ba Đình\")"
    assert by_key[("online_80", "002")][4] == "'+cmd|' /C calc'!A0"
    assert by_key[("online_80", "01-STTTT")][4] == "'@SUM(1+1)"
    assert by_key[("online_80", "01")][1] == "'\tTab đầu dòng"
    city = by_key[("online_80", "01")]
    assert city[4] == "'-2+3"
    assert city[5:8] == ["1", "1", "100.0"]  # numbers stay numbers
    for row in rows:
        for field in row:
            assert not field[:1] in ("=", "+", "-", "@", "\t", "\r"), field
