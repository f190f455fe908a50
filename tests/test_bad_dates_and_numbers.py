"""Dates and numbers in the query string: every page and API list that reads one answers a date
out of range, a day that does not exist, a huge or negative number with a 4xx and a message
that says what is wrong, never a 500 (`/audit?start=01/01/0001` was one)."""
from urllib.parse import urlencode

import pytest

from scheduler.auth import services as auth_services
from scheduler.extensions import db

BAD_DATES = ["01/01/0001", "0001-01-01", "31/12/9999", "9999-12-31", "31/02/2026",
             "2026-02-30", "00/00/0000", "1/1/1", "2026-13-01T08:00", "99999999999999999999"]
BAD_NUMBERS = ["99999999999999999999", "-1", "-99999999999999999999", "1e9", "0", "²"]

# (address, the date parameters it reads, the number parameters it reads)
PAGES = [
    ("/audit", ["start", "end"], ["page"]),
    ("/meetings/week", ["date"], []),
    ("/meetings/month", ["date"], []),
    ("/meetings/schedule", ["date"], []),
    ("/meetings/rooms", ["date"], []),
    ("/meetings/new", ["date"], []),
    ("/meetings/search?q=h", ["from", "to"], ["page"]),
    ("/units", ["on"], []),
    ("/reports?end=2026-12-31", ["start"], []),
    ("/reports?start=2026-01-01", ["end"], []),
    ("/reports", [], ["year", "unit_id"]),
    ("/reports?period=month", [], ["month"]),
    ("/reports?period=nd09-quarter", [], ["q"]),
    ("/reports?period=half", [], ["h"]),
    ("/reports/drilldown?target=online_share&end=2026-12-31", ["start"], []),
    ("/reports/drilldown?target=online_share", [], ["year", "unit_id"]),
    ("/reports/export.csv?start=2026-01-01", ["end"], []),
    ("/reports/export.csv", [], ["year", "unit_id"]),
    ("/reports/coverage", ["date", "since"], []),
    ("/rooms", [], ["page"]),
    ("/users", [], ["page"]),
    ("/endpoints", [], ["page"]),
    ("/endpoints/1", ["start", "end"], []),
]
API = [
    ("/api/v1/units", ["on"], ["limit"]),
    ("/api/v1/meetings", ["start", "end"], ["limit"]),
    ("/api/v1/rooms", [], ["limit"]),
    ("/api/v1/endpoints", [], ["limit"]),
    ("/api/v1/reports/targets?end=2026-12-31", ["start"], []),
    ("/api/v1/reports/targets", [], ["year"]),
    ("/api/v1/reports/targets?start=2026-01-01", ["end"], []),
    ("/api/v1/reports/targets?unit=00001", ["unit_on"], []),
    ("/api/v1/reports/targets?period=month", [], ["month"]),
    ("/api/v1/reports/connectivity", ["date"], []),
    ("/api/v1/endpoints/1/history", ["start", "end"], []),
]


def _cases(routes):
    for url, dates, numbers in routes:
        for names, values in ((dates, BAD_DATES), (numbers, BAD_NUMBERS)):
            for name in names:
                for value in values:
                    yield url + ("&" if "?" in url else "?") + urlencode({name: value}), name


@pytest.fixture
def admin(tree, create_endpoint):
    create_endpoint(tree.phuc_xa)
    db.session.commit()
    return tree.users.admin


@pytest.mark.parametrize("url, name", list(_cases(PAGES)))
def test_a_page_refuses_a_bad_date_or_number_with_a_message(admin, client, auth, url, name):
    auth.login(admin.username)
    response = client.get(url)
    assert response.status_code in (400, 422), url
    assert "không hợp lệ" in response.get_data(as_text=True)  # a message, not a bare status


@pytest.mark.parametrize("url, name", list(_cases(API)))
def test_the_api_refuses_a_bad_date_or_number_naming_the_field(app, admin, url, name):
    token = auth_services.issue_token(admin)[0]
    db.session.commit()
    response = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 422), url
    error = response.get_json()["error"]
    assert error["code"] in ("bad_request", "invalid")
    assert name in error["message"] or name in error["details"].get("fields", {})
