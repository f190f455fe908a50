"""No request yields a 500: every route of the application, for each kind of user, with real and
unknown identifiers, with garbage in every query parameter and form field it might read."""
import pytest
import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.models import Meeting

from .booking_helpers import at, request_for, rooms  # noqa: F401  (fixture)

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


@pytest.fixture
def world(tree, rooms, create_endpoint):  # noqa: F811
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
            unknown[arg] = 987654 if converter == "IntegerConverter" else "khong-co"
        with app.test_request_context():
            from flask import url_for

            urls = {url_for(rule.endpoint, **real), url_for(rule.endpoint, **unknown)}
        for url in sorted(urls):
            for method in methods:
                yield method, url


@pytest.mark.parametrize("who", [None, "vp_phucxa", "qt_badinh", "xem_badinh", "admin"])
def test_no_route_answers_500(app, world, client, auth, who):
    if who:
        assert auth.login(who).status_code == 302
    failures = []
    for method, url in _urls(app, world):
        if url in ("/logout",):
            continue
        if method == "GET":
            attempts = [client.get(url), client.get(url, query_string=GARBAGE)]
        elif url.startswith("/api/"):
            attempts = [client.open(url, method=method, json=GARBAGE),
                        client.open(url, method=method, data="{không phải json",
                                    content_type="application/json"),
                        client.open(url, method=method, json=[1, 2, 3])]
        else:
            attempts = [client.open(url, method=method, data={}),
                        client.open(url, method=method, data=GARBAGE)]
        failures += [f"{method} {url} -> {r.status_code}" for r in attempts
                     if r.status_code >= 500]
        db.session.rollback()
    assert failures == []
    # the meeting the routes were pointed at is still there (deleted nowhere by garbage)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1
