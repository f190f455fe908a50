"""No request yields a 500: every route of the application, for each kind of user, with real and
unknown identifiers, with garbage in every query parameter and form field it might read."""
import pytest
import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.models import Meeting

from .booking_helpers import at, request_for

GARBAGE = {
    "date": "31/02/2026", "day": "xx", "week": "2026-W99", "month": "13", "year": "-1",
    "start": "ngày mai", "end": "2026-13-45T25:61", "from": "abc", "to": "2026-02-30",
    "page": "-3", "per_page": "1e9", "unit": "không-có", "unit_id": "abc", "user": "%00",
    "user_id": "-1", "room": "x", "room_id": "1.5", "q": "' OR 1=1 --", "category": "không",
    "mode": "???", "state": "[]", "status": "{}", "period": "bogus", "kind": "zz",
    "scope": "../../etc", "target": "khong", "code": "\x00", "sort": "nope", "order": "sideways",
    "format": "exe", "token": "x" * 300, "next": "//evil.example", "lang": "xx",
    "title": "x" * 5000, "rrule": "FREQ=SECONDLY;COUNT=100000", "participants": "??",
    "rooms": "a,b", "held_mode": "mơ hồ", "reason": "x" * 5000, "threshold": "150%",
    "value": "NaN", "on": "hôm qua", "role": "superuser", "password": "", "email": "not-mail",
    "connected_on": "30/02/2025", "deployed_on": "yesterday", "fact": "maybe", "limit": "-1",
}


def hostile_bookings(tree, rooms):
    """Booking requests that are right in every field but one, which is out of range in a way
    that reaches past the form checks into the database or the recurrence library."""
    base = request_for(tree.phuc_xa, at(3), rooms=[rooms["phuc_xa"].id])
    changes = [
        {"rooms": [10 ** 30]}, {"rooms": [2 ** 63]}, {"rooms": [-1]},
        {"start": "9999-12-31T08:00+07:00", "end": "9999-12-31T09:00+07:00"},
        {"start": "0001-01-01T08:00+07:00", "end": "0001-01-01T09:00+07:00"},
        {"title": "a\x00b"}, {"agenda": "\x00"},
        {"rrule": "FREQ=DAILY;INTERVAL=0;COUNT=2"}, {"rrule": "FREQ=MONTHLY;BYDAY=9MO"},
        {"rrule": "FREQ=DAILY;COUNT=3;BYHOUR=8,9;BYMINUTE=0,30"}, {"rrule": "FREQ=YEARLY;BYSETPOS=0"},
        {"skip_dates": ["9999-99-99"]}, {"participants": ["\x00"]}, {"host_unit": "x" * 1000},
        {"status": "held"},
    ]
    return [{**base, **change} for change in changes]


API_QUERIES = [{"start": "0001-01-01"}, {"start": "9999-12-31", "end": "9999-12-31"},
               {"room": "9" * 30}, {"unit": "\x00"}, {"start": "2026-01-01T25:00"}]


@pytest.fixture
def world(tree, rooms, create_endpoint):
    """A meeting (with an occurrence), rooms, endpoints and users to point the routes at."""
    endpoint = create_endpoint(tree.phuc_xa)
    meeting = services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(3), rooms=[rooms["phuc_xa"].id], participants=["00004"]))
    db.session.commit()
    return {
        "meeting_id": meeting.id, "occurrence_id": meeting.occurrences[0].id,
        "room_id": rooms["phuc_xa"].id, "endpoint_id": endpoint.id, "unit_id": tree.phuc_xa.id,
        "user_id": tree.users.ward_staff.id, "notification_id": 1, "owner_id": tree.phuc_xa.id,
        "code": "00001", "token": "khong-co-token", "kind": "unit", "action": "regenerate",
        "year": 2026, "filename": "app.css",
    }


def _urls(app, values):
    """Each rule with real identifiers and with unknown ones."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        real, unknown = {}, {}
        for arg in rule.arguments:
            converter = rule._converters[arg].__class__.__name__
            real[arg] = values.get(arg, 1)
            unknown[arg] = 987654 if converter in ("IntegerConverter", "IdConverter") else "khong-co"
        with app.test_request_context():
            from flask import url_for

            urls = {url_for(rule.endpoint, **real), url_for(rule.endpoint, **unknown)}
        for url in sorted(urls):
            for method in methods:
                yield method, url


@pytest.mark.parametrize("who", [None, "vp_phucxa", "qt_badinh", "xem_badinh", "admin"])
def test_no_route_answers_500(app, world, client, auth, who, tree, rooms):
    headers = {}
    if who:
        assert auth.login(who).status_code == 302
        # API writes with a bearer token and without the session cookie (`script`): with the
        # cookie they would stop at the CSRF check and never reach the services
        from scheduler.auth import services as auth_services
        from scheduler.auth.models import User

        user = db.session.scalars(sa.select(User).where(User.username == who)).one()
        headers = {"Authorization": f"Bearer {auth_services.issue_token(user)[0]}"}
        db.session.commit()
    script = app.test_client()
    bodies = hostile_bookings(tree, rooms)
    failures = []
    for method, url in _urls(app, world):
        # these end the session or revoke the token under test (tests/test_sessions_tokens.py)
        if url in ("/logout", "/account/sessions/end", "/api/v1/tokens/current"):
            continue
        if method == "GET":
            attempts = [client.get(url), client.get(url, query_string=GARBAGE)]
            if url.startswith("/api/"):
                attempts += [script.get(url, query_string=q, headers=headers) for q in API_QUERIES]
        elif url.startswith("/api/"):
            attempts = [script.open(url, method=method, json=GARBAGE, headers=headers),
                        script.open(url, method=method, data="{không phải json",
                                    content_type="application/json", headers=headers),
                        script.open(url, method=method, json=[1, 2, 3], headers=headers)]
            attempts += [script.open(url, method=method, json=body, headers=headers) for body in bodies]
        else:
            attempts = [client.open(url, method=method, data={}),
                        client.open(url, method=method, data=GARBAGE)]
        failures += [f"{method} {url} -> {r.status_code}" for r in attempts
                     if r.status_code >= 500]
        db.session.rollback()
    assert failures == []
    # the meeting the routes were pointed at is still there (deleted nowhere by garbage)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1


def test_a_nul_character_is_refused_before_it_reaches_the_database(tree, client, auth):
    auth.login("vp_phucxa")
    response = client.get("/api/v1/units?search=a%00b")
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]
    response = client.post("/api/v1/meetings", data=b'{"title": "a\\u0000b"}',
                           content_type="application/json")
    assert response.status_code == 400
    page = client.get("/meetings/search?q=%00")
    assert page.status_code == 400 and "NUL" in page.get_data(as_text=True)


def test_hostile_ids_paths_and_json_get_a_4xx(tree, client, auth, rooms):
    """Ids past what PostgreSQL's INTEGER holds, control characters in a path, JSON nested a
    thousand deep, arrays past the database's parameter limit, lone surrogates: each is refused
    before it reaches the database or the parser's recursion limit (all were 500)."""
    meeting = services.book_meeting(tree.users.ward_staff,
                                    request_for(tree.phuc_xa, at(3), rooms=[rooms["phuc_xa"].id]))
    db.session.commit()
    auth.login("vp_phucxa")
    for path in (f"/api/v1/meetings/{2 ** 31}", f"/api/v1/meetings/{2 ** 63}",
                 f"/meetings/{2 ** 31}", "/calendar/unit/abc%00def.ics",
                 "/calendar/room/%01%02.ics", "/units/%1b[31m"):
        assert client.get(path).status_code == 404, path
    move = f"/api/v1/meetings/{meeting.id}/occurrences/{2 ** 40}/move"
    assert client.post(move, json={"start": "x", "end": "y"}).status_code == 404
    from scheduler.auth import services as auth_services

    token = auth_services.issue_token(tree.users.ward_staff)[0]
    db.session.commit()
    patch = f"/api/v1/meetings/{meeting.id}"
    for body, status, words in (
        ("[" * 1000 + "]" * 1000, 400, "lồng nhau quá sâu"),
        ('{"title": "' + "{" * 10 + '"}', 422, ""),  # a string of braces is a fine title
        ('{"title": "\\ud800"}', 400, "không phải Unicode"),
        ('{"participants": [' + ",".join(['"00004"'] * 70000) + "]}", 413, "quá dài"),
        ('{"rooms": [' + str(2 ** 31) + "]}", 422, ""),
    ):
        # a script's request: the token without the browser's cookie (which would need CSRF)
        resp = client.application.test_client().patch(
            patch, data=body, content_type="application/json",
            headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code in (status, 200), (body[:40], resp.status_code)
        if resp.status_code != 200:
            assert resp.get_json()["error"]["code"] in ("bad_request", "too_large", "invalid")
            assert words in resp.get_json()["error"]["message"]
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).rooms[0].id == rooms["phuc_xa"].id


def test_digits_that_int_refuses_or_the_database_cannot_hold_are_refused(tree, client, auth):
    """'²' passes str.isdigit() and then fails int(); 99999999999 passes int() and fails in
    PostgreSQL. Both were 500s (found by the API fuzzer on a document upload)."""
    import io

    from scheduler.auth import services as auth_services
    from scheduler.core.types import parse_id

    assert [parse_id(v) for v in ("12", "²", "١٢", "99999999999", "0", "-3", " 7 ", None)] == [
        12, None, None, None, None, None, 7, None]
    meeting = services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(3), paperless=True))
    token = auth_services.issue_token(tree.users.ward_staff)[0]
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    for item in ("²", "99999999999"):
        resp = client.post(f"/api/v1/meetings/{meeting.id}/documents", headers=bearer,
                           data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf"),
                                 "agenda_item": item}, content_type="multipart/form-data")
        assert resp.status_code == 422, (item, resp.status_code)
    resp = client.patch(f"/api/v1/meetings/{meeting.id}", json={"chair": "x"},
                        headers={**bearer, "If-Match": '"²"'})
    assert resp.status_code == 412
