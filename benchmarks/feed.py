"""A unit's calendar feed of 5,000 meetings: the application's code against plain `icalendar`
calls producing the same events, in the same run.

    .venv/bin/python benchmarks/feed.py [--events 5000] [--requests 30]

Builds a throw-away SQLite database (or uses DATABASE_URL when it names a *bench* database),
fills it with one ward hosting N meetings (rooms, three invited units, online links), then
times:
  app    GET /calendar/unit/<token>.ics through Flask's test client, --requests times on one
         long-lived pooled connection as the server runs it (read-only snapshot ending with
         COMMIT, prepared statements kept): the first request, the median of requests 2-10
         and the steady state (median of requests 20 and later) apart
  304    the same with the feed's ETag (what a poll costs), median of five
  build  the feed without the query (ical.feed on the meetings already loaded), median of three
  plain  icalendar.Calendar/Event/Alarm objects for the same meetings, then to_ical(), median
         of three
and checks that icalendar reads the app's feed back with N events. Goal: the app's steady
state < 1 s, no slower than 1.3 x plain, and no slower than 1.5 x its first requests.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import icalendar  # noqa: E402

from scheduler import create_app  # noqa: E402
from scheduler.calendar import feeds, ical  # noqa: E402
from scheduler.core.timeutil import LOCAL_TZ, UTC, utcnow  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.meetings.models import Meeting, Occurrence  # noqa: E402
from scheduler.rooms.models import Room  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402


def populate(count: int) -> Unit:
    city = Unit(code="01", name="Thành phố Hà Nội", kind="city")
    db.session.add(city)
    db.session.flush()
    city.path = f"/{city.id}/"
    host = Unit(code="00001", name="Phường Phúc Xá", kind="ward", parent=city,
                email="phucxa@hanoi.gov.vn")
    guests = [Unit(code=f"0000{i}", name=f"Phường số {i}", kind="ward", parent=city,
                   email=f"p{i}@hanoi.gov.vn") for i in range(2, 5)]
    db.session.add_all([host, *guests])
    db.session.flush()
    for unit in (host, *guests):
        unit.path = f"{city.path}{unit.id}/"
    room = Room(unit=host, name="Phòng họp tầng 2", capacity=30)
    db.session.add(room)
    start = datetime.now(LOCAL_TZ).replace(hour=7, minute=0, second=0, microsecond=0) - timedelta(days=60)
    per_day = 16  # back-to-back 45-minute meetings from 07:00, so that all of them fall inside
    # the feed's window (90 days back, a year ahead) and the feed really holds `count` events
    for i in range(count):
        begin = (start + timedelta(days=i // per_day, minutes=45 * (i % per_day))).astimezone(UTC)
        meeting = Meeting(
            title=f"Họp giao ban số {i}: triển khai nhiệm vụ, kế hoạch; tổng kết",
            category="giao_ban", host_unit=host, chair="Chủ tịch UBND phường",
            start_at=begin, end_at=begin + timedelta(minutes=45), mode="hybrid",
            agenda="1. Báo cáo tình hình\n2. Thảo luận\n3. Kết luận của chủ trì",
            status="scheduled", uid=f"{uuid.uuid4()}@lichhop", sequence=i % 3,
            join_url=f"https://hop.hanoi.gov.vn/phong/{i}")
        meeting.participants = guests
        meeting.rooms = [room]
        meeting.occurrences.append(Occurrence(start_at=begin, end_at=begin + timedelta(minutes=45),
                                              original_start=begin, status="scheduled"))
        db.session.add(meeting)
        if i % 1000 == 999:
            db.session.flush()
    db.session.commit()
    return host


def plain_icalendar(meetings, links: ical.Links) -> bytes:
    """The same content through icalendar's component objects."""
    tz = icalendar.Timezone.from_tzid(ical.TZID, first_date=datetime(2000, 1, 1).date())
    cal = icalendar.Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Lịch họp – Phường Phúc Xá")
    cal.add_component(tz)
    for m in meetings:
        event = icalendar.Event()
        event.add("uid", m.uid)
        event.add("dtstamp", m.updated_at)
        event.add("sequence", m.sequence)
        event.add("summary", m.title)
        event.add("description", ical.description_of(m, links))
        event.add("location", m.location)
        event.add("url", m.join_url)
        organizer = icalendar.vCalAddress(f"mailto:{m.host_unit.email}")
        organizer.params["CN"] = m.host_unit.name
        event.add("organizer", organizer)
        for unit in m.participants:
            attendee = icalendar.vCalAddress(f"mailto:{unit.email}")
            attendee.params.update(CN=unit.name, CUTYPE="GROUP", ROLE="REQ-PARTICIPANT",
                                   PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
            event.add("attendee", attendee)
        event.add("dtstart", m.start_at.astimezone(LOCAL_TZ))
        event.add("dtend", m.end_at.astimezone(LOCAL_TZ))
        event.add("status", "CONFIRMED")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ical.ALARM_BEFORE)
        alarm.add("description", m.title)
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def median_ms(func, runs: int):
    """(the last result, median milliseconds of `runs` calls)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - began) * 1000)
    return result, statistics.median(times)


def feed_requests(client, url: str, count: int) -> tuple[bytes, list[float]]:
    """The feed's body and the milliseconds of each of `count` requests, checked."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, answer.status_code
    return answer.data, times


def time_feed(app, host_id: int, requests: int) -> dict:
    """The feed through the request path on one connection, its 304, build and plain. Called
    outside any app context, so that each request pushes and pops its own as in the server."""
    with app.app_context():
        db.engine.dispose()  # the first request opens the connection the others reuse
    client, url = app.test_client(), "/calendar/unit/feed-bench.ics"
    body, times = feed_requests(client, url, requests)
    etag = client.get(url).headers["ETag"]
    _answer, not_modified = median_ms(lambda: client.get(url, headers={"If-None-Match": etag}), 5)
    with app.app_context(), app.test_request_context():
        meetings = feeds.feed_meetings("unit", db.session.get(Unit, host_id), utcnow())
        _built, build = median_ms(lambda: ical.feed(meetings, feeds.links(), "x"), 3)
        _plain, plain = median_ms(lambda: plain_icalendar(meetings, feeds.links()), 3)
        db.session.remove()
    return {"body": body, "first": times[0], "first 2-10": statistics.median(times[1:10]),
            "steady": statistics.median(times[19:]), "304": not_modified, "build": build,
            "plain": plain}


def build_database(app, events: int) -> int:
    """A fresh schema with one ward hosting `events` meetings, its feed token feed-bench; its id."""
    with app.app_context(), app.test_request_context():
        db.drop_all()
        if db.engine.dialect.name == "postgresql":  # the reservation exclusion constraint needs it
            with db.engine.begin() as conn:
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
        db.create_all()
        host = populate(events)
        host.feed_token = feeds.hash_token("feed-bench")
        db.session.commit()
        host_id = host.id
        db.session.remove()
    return host_id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30, help="feed requests on one connection (>= 20)")
    args = parser.parse_args()
    if args.requests < 20:
        parser.error("--requests must reach the steady state (20)")
    url = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory()
    if "bench" not in url.rsplit("/", 1)[-1]:
        url = f"sqlite:///{workdir.name}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "localhost"})
    host_id = build_database(app, args.events)
    print(f"unit feed of {args.events} meetings, {args.requests} requests on one connection")
    figures = time_feed(app, host_id, args.requests)
    for name in ("first", "first 2-10", "steady", "304", "build", "plain"):
        print(f"{name:<11}{figures[name]:9.1f} ms")
    events = list(icalendar.Calendar.from_ical(figures["body"]).walk("VEVENT"))
    assert len(events) == args.events, len(events)
    steady = figures["steady"]
    print(f"steady/plain = {steady / figures['plain']:.2f}, steady/first 2-10 = "
          f"{steady / figures['first 2-10']:.2f}  ({len(figures['body']) / 1e6:.1f} MB)")
    ok = steady < 1000 and steady <= 1.3 * figures["plain"] and steady <= 1.5 * figures["first 2-10"]
    print("goal met" if ok else "goal NOT met (steady < 1 s, <= 1.3 x plain, <= 1.5 x first 2-10)")
    with app.app_context():
        db.drop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
