"""One snapshot per read (issue 24): every request that only reads sees one moment of the
database, however many statements it runs, while bookings and cancellations commit beside it.

A writer replaces meetings of Phúc Xá one for one, each swap in one transaction (cancel the
oldest, book a new three-sitting meeting), so every state the database ever holds has the same
number of live sittings. Readers ask for the multi-query reads (the unit's feed, the API's
list, the week, month and schedule pages, the reports, their drill-down and exports) over a
real HTTP server with threads: none may answer 5xx, and the feed and the API list must count
exactly the sittings every committed state holds. Reading each statement at its own moment,
the feed answered 500 (a sitting whose meeting another statement had not seen yet) and the
counts drifted.
"""
import http.cookiejar
import threading
import urllib.error
import urllib.request
from datetime import datetime, time as clock, timedelta

import sqlalchemy as sa

from scheduler.auth import services as auth_services
from scheduler.calendar.feeds import hash_token
from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from scheduler.meetings.lifecycle import cancel_meeting
from scheduler.meetings.models import Meeting
from scheduler.units.models import Unit
from scheduler import create_app
from tests.conftest import make_config, serving

LIVE = 4  # live meetings of the writer, three sittings each
SWAPS = 60
FEED = "/calendar/unit/phucxa-snapshot-feed.ics"


def _sittings(day) -> list[datetime]:
    return [datetime.combine(day + timedelta(days=7 * week), clock(9), LOCAL_TZ)
            for week in range(3)]


def _book(create_meeting, tree, n: int):
    """A three-sitting meeting of Phúc Xá with Trúc Bạch, in the session of the caller's
    thread."""
    host, guest = (db.session.get(Unit, unit.id) for unit in (tree.phuc_xa, tree.truc_bach))
    first, *rest = _sittings(tree.day + timedelta(days=n % 3))
    return create_meeting(host, first, title=f"Giao ban số {n}", extra_starts=rest,
                          participants=[guest], minutes=30)


def _live_vevents(body: str) -> int:
    events = body.split("BEGIN:VEVENT")[1:]
    return sum(1 for event in events if "STATUS:CANCELLED" not in event)


def _opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _get(opener, url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode("utf-8", "replace")


def test_reads_see_one_moment_while_meetings_change(app, tree, create_meeting):
    admin = tree.users.admin
    tree.phuc_xa.feed_token = hash_token("phucxa-snapshot-feed")
    raw_token, _ = auth_services.issue_token(tree.users.ward_admin)
    for n in range(LIVE):
        _book(create_meeting, tree, n)
    db.session.commit()
    start = tree.day.isoformat()
    end = (tree.day + timedelta(days=28)).isoformat()
    api_list = f"/api/v1/meetings?unit=00001&start={start}&end={end}&limit=500"
    year = tree.day.year
    pages = [
        f"/meetings/week?unit=00001&date={start}", f"/meetings/month?unit=00001&date={start}",
        f"/meetings/schedule?unit=00001&date={start}",
        f"/reports?unit=001&period=year&year={year}",
        f"/reports/drilldown?unit=001&period=year&year={year}&target=online_30",
        f"/reports/export.csv?unit=001&period=year&year={year}",
        f"/api/v1/reports/targets?unit=001&start={year}-01-01&end={year}-12-31",
        "/api/v1/reports/connectivity?unit=001", "/api/v1/units?parent=001",
    ]
    bearer = {"Authorization": f"Bearer {raw_token}"}
    failures, counts = [], {"feed": set(), "api": set()}
    stop = threading.Event()

    # a server of its own: its engine is disposed when it stops, with no connection of the
    # test's session still out
    server = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    with serving(server, "snapshot-server") as base:
        def baseline():
            status, feed = _get(_opener(), base + FEED)
            assert status == 200, feed
            status, listing = _get(_opener(), base + api_list, bearer)
            assert status == 200, listing
            return _live_vevents(feed), _live_api(listing)

        expected_feed, expected_api = baseline()
        assert expected_api == LIVE * 3

        def writer():
            with app.app_context():
                try:
                    for n in range(LIVE, LIVE + SWAPS):
                        oldest = db.session.scalar(
                            sa.select(Meeting).where(Meeting.status == "scheduled")
                            .order_by(Meeting.id).limit(1))
                        cancel_meeting(db.session.get(type(admin), admin.id), oldest)
                        _book(create_meeting, tree, n)
                        db.session.commit()
                except Exception as err:  # reported by the test, not lost in the thread
                    failures.append(("writer", repr(err)))
                finally:
                    db.session.remove()
                    stop.set()

        def reader(urls, check):
            opener = _opener()
            if check is None:  # the pages need a signed-in user
                opener.open(urllib.request.Request(
                    base + "/login", data=b"username=admin&password=" + tree.password.encode(),
                    method="POST"), timeout=60).close()
            while not stop.is_set():
                for url in urls:
                    status, body = _get(opener, base + url, bearer if "/api/" in url else None)
                    if status >= 500 or status != 200:
                        failures.append((url, status, body[:300]))
                    elif check is not None:
                        check(body)

        readers = [
            threading.Thread(target=reader, args=([FEED], lambda b: counts["feed"].add(_live_vevents(b)))),
            threading.Thread(target=reader, args=([api_list], lambda b: counts["api"].add(_live_api(b)))),
            threading.Thread(target=reader, args=(pages, None)),
        ]
        threads = [threading.Thread(target=writer), *readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert not any(thread.is_alive() for thread in threads)
        assert baseline() == (expected_feed, expected_api)

    assert not failures, failures[:5]
    # every answer counted what each committed state holds
    assert counts["feed"] == {expected_feed}
    assert counts["api"] == {expected_api}


def _live_api(body: str) -> int:
    import json

    return sum(1 for item in json.loads(body)["meetings"] if item["status"] != "cancelled")
