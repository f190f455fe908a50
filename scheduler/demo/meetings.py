"""The demo meetings, in two eras of Hà Nội's tree: from January 2024 to 30 June 2025 among the
city, departments, districts and wards of the three-level structure, and from 1 July 2025 to a
month ahead among the city, departments and the 126 communes and wards of the two-level one.
No meeting crosses the reform: each era plans its own weekly series, ended with the era.

The mix follows the city's targets closely enough for the report to tell a story: the
categories of `online_80` are held online about four times in five, the others about one time in
three, and each host has its own habit so that some units meet a target and some do not.

Meetings are written straight into the tables in bulk (no booking service, no invitations), so
the planner itself keeps the booking rules: every room and endpoint reservation is checked
against what is already taken (including the connection test before online meetings) and a
meeting that finds no free slot in a few days is left out; online meetings only invite units
whose video conference is deployed; nothing lands on weekends or public holidays.
"""
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ..core.timeutil import LOCAL_TZ, UTC, utcnow
from ..core import workdays
from ..endpoints.models import Endpoint
from ..extensions import db
from ..meetings.conflicts import lead_time
from ..meetings.models import Meeting, Occurrence, Reservation, meeting_participant, meeting_room
from ..meetings.series import expand
from ..rooms.models import Room
from . import catalog
from .planning import Spec, single_specs

RANDOM_SEED = 2025
UID_PREFIX = "demo-"
SINGLE_MEETINGS_PER_MONTH = 62
FIRST_DEMO_DAY = date(2024, 1, 1)
REFORM_DAY = date(2025, 7, 1)


def is_working_day(day) -> bool:
    """The demo's meetings keep to Monday–Friday: a Saturday worked in a swap of days off is a
    working day, but offices do not schedule their regular meetings on it."""
    return day.weekday() < 5 and workdays.is_working_day(day)


CANCELLED_SHARE, DOWNGRADED_SHARE = 0.03, 0.04
MORNING = [time(7, 30), time(8, 0), time(8, 30), time(9, 0), time(9, 30), time(10, 0)]
AFTERNOON = [time(13, 30), time(14, 0), time(14, 30), time(15, 0), time(15, 30)]
# weekly meetings of leadership (giao ban), planned before anything else:
# host, title, RRULE days, local start, minutes, mode, who takes part
SERIES_BEFORE_REFORM = [
    ("01", "Giao ban Thường trực UBND Thành phố", "BYDAY=MO", time(8, 0), 120, "hybrid",
     ["01-VPUB", "01-SNV", "01-STC", "01-SKHDT"]),
    ("001", "Giao ban tuần UBND quận Ba Đình", "BYDAY=MO", time(14, 0), 90, "hybrid", "children"),
    ("00001", "Giao ban tuần UBND phường Phúc Xá", "BYDAY=TU", time(8, 0), 60, "in_person", []),
    ("01-STTTT", "Giao ban chuyển đổi số với các quận, huyện, thị xã", "INTERVAL=2;BYDAY=FR",
     time(14, 0), 90, "online", "districts"),
    ("002", "Giao ban tuần UBND quận Hoàn Kiếm", "BYDAY=MO", time(8, 0), 90, "in_person", []),
    ("268", "Giao ban tuần UBND quận Hà Đông", "BYDAY=MO", time(8, 0), 90, "in_person", []),
    ("271", "Giao ban tuần UBND huyện Ba Vì", "BYDAY=MO", time(14, 0), 90, "hybrid", "children"),
]
SERIES_SINCE_REFORM = [
    ("01", "Giao ban Thường trực UBND Thành phố", "BYDAY=MO", time(8, 0), 120, "hybrid",
     ["01-VPUB", "01-SNV", "01-STC", "01-SKHDT"]),
    ("00004", "Giao ban tuần UBND phường Ba Đình", "BYDAY=MO", time(14, 0), 90, "hybrid", []),
    ("00097", "Giao ban tuần UBND phường Hồng Hà", "BYDAY=TU", time(8, 0), 60, "in_person", []),
    ("01-STTTT", "Giao ban chuyển đổi số với các xã, phường", "INTERVAL=2;BYDAY=FR",
     time(14, 0), 90, "online", "wards"),
    ("00070", "Giao ban tuần UBND phường Hoàn Kiếm", "BYDAY=MO", time(8, 0), 90, "in_person", []),
    ("09556", "Giao ban tuần UBND phường Hà Đông", "BYDAY=MO", time(8, 0), 90, "in_person", []),
    ("09700", "Giao ban tuần UBND xã Ba Vì", "BYDAY=MO", time(14, 0), 90, "hybrid", []),
]
# the hosts of each era's meetings: which level, and the demo users' own units (their calendars)
HOSTS_BEFORE_REFORM = {"city": 7, "department": 30, "district": 38, "ward": 25}
HOSTS_SINCE_REFORM = {"city": 7, "department": 33, "ward": 60}
FAVOURITES_BEFORE_REFORM = {"001": 0.05, "00001": 0.03}
FAVOURITES_SINCE_REFORM = {"00004": 0.05, "00097": 0.03}


@dataclass
class Placed:
    spec: Spec
    room_id: int | None
    instances: list[tuple[datetime, datetime]]
    skipped: list[datetime] = field(default_factory=list)


class Calendar:
    """What every room and endpoint is booked for, per local day, for the conflict checks."""

    def __init__(self, start: datetime, end: datetime):
        self.busy = defaultdict(list)
        rows = db.session.execute(sa.select(
            Reservation.resource_kind, Reservation.resource_id, Reservation.starts_at,
            Reservation.ends_at).where(Reservation.active.is_(True), Reservation.ends_at > start,
                                       Reservation.starts_at < end))
        for kind, rid, s, e in rows:
            self.take([(kind, rid)], s, e)

    @staticmethod
    def _days(start: datetime, end: datetime):
        day, last = start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date()
        while day <= last:
            yield day
            day += timedelta(days=1)

    def free(self, resources, start: datetime, end: datetime) -> bool:
        return not any(s < end and start < e for res in resources for day in self._days(start, end)
                       for s, e in self.busy.get((res, day), ()))

    def take(self, resources, start: datetime, end: datetime) -> None:
        for res in resources:
            for day in self._days(start, end):
                self.busy[(res, day)].append((start, end))


@dataclass
class Era:
    """A stretch of days over which the tree stays the same."""
    first_day: date
    last_day: date
    series: list
    hosts: dict
    favourites: dict


def eras(now: datetime) -> list[Era]:
    last = now.astimezone(LOCAL_TZ).date() + relativedelta(months=1)
    found = [Era(FIRST_DEMO_DAY, min(last, REFORM_DAY - timedelta(days=1)), SERIES_BEFORE_REFORM,
                 HOSTS_BEFORE_REFORM, FAVOURITES_BEFORE_REFORM)]
    if last >= REFORM_DAY:
        found.append(Era(REFORM_DAY, last, SERIES_SINCE_REFORM, HOSTS_SINCE_REFORM,
                         FAVOURITES_SINCE_REFORM))
    return found


class World:
    """The tree of one era (the units existing on every day of it), rooms and endpoints the
    planner works with, loaded once."""

    def __init__(self, city, units, now: datetime, era: Era):
        self.city, self.now, self.era = city, now, era
        self.first_day, self.last_day = era.first_day, era.last_day
        self.workdays = [self.first_day + timedelta(days=i)
                         for i in range((self.last_day - self.first_day).days + 1)
                         if is_working_day(self.first_day + timedelta(days=i))]
        units = [u for u in units if u.exists_on(era.first_day) and u.exists_on(era.last_day)]
        self.units = units
        self.by_code = {unit.code: unit for unit in units}  # one holder per code within an era
        self.children = defaultdict(list)
        for unit in units:
            self.children[unit.parent_id].append(unit)
        self.rooms = defaultdict(list)
        for room in db.session.scalars(sa.select(Room).where(Room.active.is_(True)).order_by(Room.id)):
            self.rooms[room.unit_id].append(room)
        # the endpoint each unit joins with (as the booking service picks it) and since when
        self.endpoint = {}
        for unit_id, ep_id, deployed in db.session.execute(
                sa.select(Endpoint.unit_id, Endpoint.id, Endpoint.vc_deployed_on)
                .where(Endpoint.active.is_(True), Endpoint.vc_deployed_on.is_not(None))
                .order_by(Endpoint.id)):
            self.endpoint.setdefault(unit_id, (ep_id, deployed))
        self.habit = {u.id: random.Random(f"habit-{u.code}").uniform(0.75, 1.15) for u in units}
        self.kinds = defaultdict(list)
        for unit in units:
            self.kinds[unit.kind].append(unit)

    def online_ready(self, unit, day: date) -> bool:
        found = self.endpoint.get(unit.id)
        return found is not None and found[1] <= day and unit.exists_on(day)

    def of_kind(self, kind: str) -> list:
        return list(self.kinds[kind])


def seed_meetings(city, units, now: datetime | None = None) -> str:
    if db.session.scalar(sa.select(Meeting.id).where(Meeting.uid.startswith(UID_PREFIX)).limit(1)):
        return "Cuộc họp: 0 cuộc họp mới (dữ liệu mẫu đã có)."
    now = now or utcnow()
    rnd = random.Random(RANDOM_SEED)
    worlds = [World(city, units, now, era) for era in eras(now)]
    calendar = Calendar(_bounds(worlds[0])[0], _bounds(worlds[-1])[1])
    placed, left_out = [], 0
    for world in worlds:
        placed += [p for p in (_place_series(world, spec, calendar) for spec in _series_specs(world)) if p]
        months = (world.last_day - world.first_day).days / 30.4
        singles = single_specs(world, rnd, round(SINGLE_MEETINGS_PER_MONTH * months))
        # the widest meetings first: they need the most endpoints free at once
        singles.sort(key=lambda s: -len(s.participants) if s.mode != "in_person" else 0)
        for spec in singles:
            found = _place_single(world, spec, calendar, rnd)
            if found is None:
                left_out += 1
            else:
                placed.append(found)
    sittings = _write(worlds[-1], placed, rnd)
    return (f"Cuộc họp: {len(placed)} cuộc họp mới ({sittings} buổi họp), "
            f"{left_out} bỏ qua vì trùng lịch.")


def _bounds(world: World) -> tuple[datetime, datetime]:
    start = datetime.combine(world.first_day, time(0), LOCAL_TZ).astimezone(UTC)
    return start, datetime.combine(world.last_day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)


def _series_specs(world: World) -> list[Spec]:
    specs = []
    for code, title, days, start, minutes, mode, who in world.era.series:
        host = world.by_code.get(code)
        if host is None or not host.exists_on(world.first_day):
            continue
        if who == "children":
            people = list(world.children[host.id])
        elif who in ("districts", "wards"):
            people = world.of_kind(who[:-1])
        else:
            people = [world.by_code[c] for c in who if c in world.by_code]
        people = [u for u in people if u.exists_on(world.first_day)]
        if mode != "in_person":
            if not world.online_ready(host, world.first_day):
                mode = "in_person"
            people = [u for u in people if world.online_ready(u, world.first_day)]
        until = datetime.combine(world.last_day, time(23, 59, 59), LOCAL_TZ).astimezone(UTC)
        rule = f"FREQ=WEEKLY;{days};UNTIL={until:%Y%m%dT%H%M%SZ}"
        specs.append(Spec("giao_ban", host, people, mode, title, minutes, [], rule, start))
    return specs


def _needs(world: World, spec: Spec, room_id: int | None):
    rooms = [("room", room_id)] if room_id else []
    if spec.mode == "in_person":
        return rooms, []
    units = [spec.host, *spec.participants]
    return rooms, [("endpoint", world.endpoint[u.id][0]) for u in units]


def _place_series(world: World, spec: Spec, calendar: Calendar) -> Placed | None:
    first = world.first_day
    weekday = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4}[spec.rrule.split("BYDAY=")[1][:2]]
    first += timedelta(days=(weekday - first.weekday()) % 7)
    start = datetime.combine(first, spec.series_start, LOCAL_TZ).astimezone(UTC)
    instances = expand(spec.rrule, start, start + timedelta(minutes=spec.minutes))
    rooms = world.rooms.get(spec.host.id, [])
    room_id = _pick(rooms, spec.mode).id if rooms else None
    kept, skipped = [], []
    lead = lead_time()
    for s, e in instances:
        room_need, endpoint_need = _needs(world, spec, room_id)
        # a holiday, or a slot someone else already booked: that sitting does not take place
        if (not is_working_day(s.astimezone(LOCAL_TZ).date()) or not calendar.free(room_need, s, e)
                or not calendar.free(endpoint_need, s - lead, e)):
            skipped.append(s)
            continue
        calendar.take(room_need, s, e)
        calendar.take(endpoint_need, s - lead, e)
        kept.append((s, e))
    return Placed(spec, room_id, kept, skipped) if kept else None


def _pick(rooms, mode: str):
    """The host's video-conference room for online sittings, its first room otherwise."""
    if mode != "in_person":
        return next((r for r in rooms if r.has_endpoint), rooms[0])
    return rooms[0]


def _place_single(world: World, spec: Spec, calendar: Calendar, rnd: random.Random) -> Placed | None:
    lead = lead_time()
    rooms = sorted(world.rooms.get(spec.host.id, []),
                   key=lambda r: not r.has_endpoint if spec.mode != "in_person" else False)
    for day in spec.days:
        starts = [t for t in MORNING + AFTERNOON if _fits(t, spec.minutes)]
        rnd.shuffle(starts)
        for t in starts:
            s = datetime.combine(day, t, LOCAL_TZ).astimezone(UTC)
            e = s + timedelta(minutes=spec.minutes)
            room = next((r for r in rooms if calendar.free([("room", r.id)], s, e)), None)
            if rooms and room is None:
                continue
            room_need, endpoint_need = _needs(world, spec, room.id if room else None)
            if not calendar.free(endpoint_need, s - lead, e):
                continue
            calendar.take(room_need, s, e)
            calendar.take(endpoint_need, s - lead, e)
            return Placed(spec, room.id if room else None, [(s, e)])
    return None


def _fits(start: time, minutes: int) -> bool:
    end = (datetime.combine(date.min, start) + timedelta(minutes=minutes)).time()
    return end <= (time(12, 0) if start < time(12, 0) else time(17, 30))


def _write(world: World, placed: list[Placed], rnd: random.Random) -> int:
    """Insert meetings, sittings, reservations, participants and rooms in a few Core
    executemany statements; ids are read back by the meetings' unique uid and the sittings'
    (meeting, original start), which is much faster on SQLite than RETURNING row by row."""
    meeting_rows, sittings = [], []
    for p in placed:
        statuses = [_status(world, e, rnd) for _s, e in p.instances]
        start = min([p.instances[0][0], *p.skipped])  # a series starts at its rule's DTSTART
        length = p.instances[0][1] - p.instances[0][0]
        meeting_rows.append(_meeting_row(world, p, statuses, start, length, rnd))
        sittings.append(statuses)
    if not meeting_rows:
        return 0
    db.session.execute(Meeting.__table__.insert(), meeting_rows)
    ids = dict(db.session.execute(sa.select(Meeting.uid, Meeting.id)
                                  .where(Meeting.uid.startswith(UID_PREFIX))).all())
    meeting_ids = [ids[row["uid"]] for row in meeting_rows]
    occurrence_rows = []
    for p, meeting_id, statuses in zip(placed, meeting_ids, sittings):
        for (s, e), status in zip(p.instances, statuses):
            held = _held_mode(p.spec.mode, rnd) if status == "held" else None
            occurrence_rows.append(dict(meeting_id=meeting_id, start_at=s, end_at=e, original_start=s,
                                        status=status, held_mode=held, moved=False))
    db.session.execute(Occurrence.__table__.insert(), occurrence_rows)
    occurrence_ids = {(m, s): i for i, m, s in db.session.execute(
        sa.select(Occurrence.id, Occurrence.meeting_id, Occurrence.original_start)
        .join(Meeting).where(Meeting.uid.startswith(UID_PREFIX)))}
    lead, reservations = lead_time(), []
    for p, meeting_id, statuses in zip(placed, meeting_ids, sittings):
        room_need, endpoint_need = _needs(world, p.spec, p.room_id)
        for (s, e), status in zip(p.instances, statuses):
            occurrence_id, active = occurrence_ids[(meeting_id, s)], status != "cancelled"
            reservations += [dict(occurrence_id=occurrence_id, resource_kind=k, resource_id=rid,
                                  starts_at=s, ends_at=e, active=active) for k, rid in room_need]
            reservations += [dict(occurrence_id=occurrence_id, resource_kind=k, resource_id=rid,
                                  starts_at=s - lead, ends_at=e, active=active)
                             for k, rid in endpoint_need]
    if reservations:
        db.session.execute(Reservation.__table__.insert(), reservations)
    links = [dict(meeting_id=m, unit_id=u.id) for p, m in zip(placed, meeting_ids)
             for u in p.spec.participants]
    if links:
        db.session.execute(meeting_participant.insert(), links)
    rooms = [dict(meeting_id=m, room_id=p.room_id) for p, m in zip(placed, meeting_ids) if p.room_id]
    if rooms:
        db.session.execute(meeting_room.insert(), rooms)
    from ..reports import tally

    tally.rebuild()  # the rows above bypassed the ORM, which keeps the counts otherwise
    return len(occurrence_rows)


def _status(world: World, end: datetime, rnd: random.Random) -> str:
    if rnd.random() < CANCELLED_SHARE:
        return "cancelled"
    return "held" if end <= world.now else "scheduled"


def _held_mode(mode: str, rnd: random.Random) -> str:
    # now and then the connection failed and an online meeting went ahead in the room only
    if mode != "in_person" and rnd.random() < DOWNGRADED_SHARE:
        return "in_person"
    return mode


def _meeting_row(world: World, p: Placed, statuses: list[str], start: datetime,
                 length: timedelta, rnd: random.Random) -> dict:
    spec = p.spec
    if "scheduled" in statuses:
        status = "scheduled"
    elif "held" in statuses:
        status = "held"
    else:
        status = "cancelled"
    created = min(start - timedelta(days=rnd.randint(2, 12)), world.now)
    paperless = any(r.paperless for r in world.rooms.get(spec.host.id, []) if r.id == p.room_id)
    return dict(
        title=spec.title, category=spec.category, host_unit_id=spec.host.id,
        chair=_chair(spec.host, rnd), start_at=start, end_at=start + length, mode=spec.mode,
        paperless=paperless, agenda=catalog.AGENDA[spec.category], conclusion="", status=status,
        rrule=spec.rrule, sequence=0, uid=f"{UID_PREFIX}{uuid.UUID(int=rnd.getrandbits(128))}@lichhop",
        exdates=[s.isoformat() for s in p.skipped], created_at=created, updated_at=created)


def _chair(unit, rnd: random.Random) -> str:
    people = random.Random(f"chair-{unit.code}")
    names = [" ".join(people.choice(part) for part in (catalog.FAMILY, catalog.MIDDLE, catalog.GIVEN))
             for _ in range(3)]
    deputy = rnd.random() < 0.6
    return f"{names[1 + rnd.randint(0, 1)] if deputy else names[0]}, {catalog.chair_title(unit, deputy)}"
