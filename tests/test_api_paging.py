"""API lists come in pages: `limit` (default 100, at most 1,000), an opaque cursor, and the
next page's link; following the links gives every item exactly once."""
from datetime import datetime

import pytest

from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


def follow(client, url: str, key: str) -> tuple[list, int]:
    items, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body[key]
        pages += 1
        url = body["next"]
    return items, pages


def on_working_day(index: int, hour: int = 8) -> datetime:
    """The index-th distinct working day from a week ahead, at `hour` (at() moves a weekend
    day to the Monday: on a Thursday at(9), at(10) and at(11) are one day)."""
    days = sorted({at(d).date() for d in range(7, 30)})
    day = days[index]
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture
def seven_sittings(tree, auth):
    """Seven sittings, three of them at the same minute (the cursor must break the tie)."""
    for n, (day, hour) in enumerate([(7, 8), (7, 8), (7, 8), (8, 9), (9, 10), (10, 8), (11, 14)]):
        services.book_meeting(tree.users.admin, request_for(
            tree.phuc_xa if n % 2 else tree.truc_bach, on_working_day(day - 7, hour), 30,
            title=f"Họp {n}"))
        db.session.commit()  # each booking is its own transaction
    auth.login("admin", tree.password)
    return tree


def test_meeting_list_pages_through_every_sitting_once(client, seven_sittings):
    url = f"/api/v1/meetings?start={at(7).date().isoformat()}&end={on_working_day(5).date().isoformat()}"
    whole = client.get(url).get_json()
    assert len(whole["meetings"]) == 7 and whole["next"] is None
    paged, pages = follow(client, url + "&limit=2", "meetings")
    assert pages == 4
    assert [m["occurrence_id"] for m in paged] == [m["occurrence_id"] for m in whole["meetings"]]
    first = client.get(url + "&limit=2").get_json()
    assert first["next"].startswith("/api/v1/meetings?") and "start=" in first["next"]


def test_the_pages_keep_the_unit_filter(client, seven_sittings):
    url = (f"/api/v1/meetings?start={at(7).date().isoformat()}"
           f"&end={on_working_day(5).date().isoformat()}&unit=00001")
    paged, _pages = follow(client, url + "&limit=1", "meetings")
    assert [m["title"] for m in paged] == ["Họp 1", "Họp 3", "Họp 5"]


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=1001", "limit"),
                                          ("limit=abc", "limit"), ("cursor=xyz", "cursor"),
                                          ("cursor=eyJrIjoidW5pdHMiLCJvIjoxfQ", "cursor")])
def test_bad_limit_or_cursor_is_a_422_naming_the_field(client, seven_sittings, query, field):
    response = client.get(f"/api/v1/meetings?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_directory_lists_page_too(client, seven_sittings):
    whole = client.get("/api/v1/units").get_json()
    assert whole["next"] is None
    paged, pages = follow(client, "/api/v1/units?limit=3", "units")
    assert pages == 3 and [u["code"] for u in paged] == [u["code"] for u in whole["units"]]
    endpoints, _pages = follow(client, "/api/v1/endpoints?limit=4", "endpoints")
    assert len(endpoints) == len(client.get("/api/v1/endpoints").get_json()["endpoints"]) == 6
    assert client.get("/api/v1/rooms?limit=1").get_json() == {"rooms": [], "next": None}


def test_the_default_page_holds_a_hundred(client, tree, auth):
    for n in range(101):
        services.book_meeting(tree.users.admin, request_for(
            tree.phuc_xa, at(7 + n // 10, 7, 0) + (n % 10) * (at(0, 1) - at(0, 0)), 30, title=f"Họp {n}"))
        db.session.commit()  # each booking is its own transaction
    auth.login("admin", tree.password)
    body = client.get(f"/api/v1/meetings?start={at(7).date().isoformat()}&end={at(30).date().isoformat()}").get_json()
    assert len(body["meetings"]) == 100 and body["next"]
    assert len(client.get(body["next"]).get_json()["meetings"]) == 1
