"""A unit's calendar feed of 5,000 meetings: the application's code against plain `icalendar`
calls producing the same events, in the same run.

    .venv/bin/python benchmarks/feed.py [--events 5000]

Builds a throw-away SQLite database (or uses DATABASE_URL when it names a *bench* database),
fills it with one ward hosting N meetings (rooms, three invited units, online links), then
times:
  app    the feed route's work: the SQL query, building and serialising (feeds.feed_bytes)
  build  the same without the query (ical.feed on the meetings already loaded)
  plain  icalendar.Calendar/Event/Alarm objects for the same meetings, then to_ical()
and checks that icalendar reads the app's feed back with N events. Goal: app < 1 s, and the
app no slower than 1.3 × plain.
"""
import argparse
import os
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


def timed(label: str, func):
    began = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - began
    print(f"{label:<7}{elapsed:8.3f} s")
    return result, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory()
    if "bench" not in url.rsplit("/", 1)[-1]:
        url = f"sqlite:///{workdir.name}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "localhost"})
    with app.app_context(), app.test_request_context():
        db.drop_all()
        if db.engine.dialect.name == "postgresql":  # the reservation exclusion constraint needs it
            with db.engine.begin() as conn:
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
        db.create_all()
        host = populate(args.events)
        now = utcnow()
        print(f"unit feed of {args.events} meetings")
        db.session.expire_all()
        body, app_time = timed("app", lambda: feeds.feed_bytes("unit", host, now))
        meetings = feeds.feed_meetings("unit", host, now)
        _built, build_time = timed("build", lambda: ical.feed(meetings, feeds.links(), "x"))
        _plain, plain_time = timed("plain", lambda: plain_icalendar(meetings, feeds.links()))
        events = list(icalendar.Calendar.from_ical(body).walk("VEVENT"))
        assert len(events) == args.events, len(events)
        ratio = app_time / plain_time
        print(f"app/plain = {ratio:.2f}  ({len(body) / 1e6:.1f} MB)")
        ok = app_time < 1.0 and ratio <= 1.3
        print("goal met" if ok else "goal NOT met (app < 1 s and app <= 1.3 x plain)")
        db.session.remove()
        db.drop_all()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
