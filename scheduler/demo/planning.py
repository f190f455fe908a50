"""What the demo year's single meetings are: category, host, participants, mode, title, length
and the days they may take place on. Their times are found by meetings.py."""
import random
from dataclasses import dataclass
from datetime import date, time

from . import catalog

# share of each category among single meetings
CATEGORY_WEIGHTS = {"trien_khai": 16, "so_ket": 8, "tong_ket": 5, "tap_huan": 9,
                    "giao_ban": 14, "lam_viec": 32, "khac": 16}
MINUTES = {"trien_khai": (90, 120), "so_ket": (120, 150), "tong_ket": (150, 180),
           "tap_huan": (180, 210), "giao_ban": (60, 90), "lam_viec": (60, 90, 120),
           "khac": (60, 90)}
# the months in which offices hold reviews (quarter, half-year, nine months) and year-end reviews
SEASON = {"so_ket": {3, 4, 6, 7, 9, 10}, "tong_ket": {12, 1}}
# the held-online share each group of categories aims at (online_80 and online_30)
ONLINE_SHARE = {"trien_khai": 0.88, "so_ket": 0.88, "tong_ket": 0.88, "tap_huan": 0.88,
                "giao_ban": 0.30, "lam_viec": 0.30, "khac": 0.30}
# a city-wide conference reaches down to every ward now and then (hội nghị trực tuyến đến cấp xã)
DOWN_TO_WARDS = 0.15
OTHER_DAYS = 4


@dataclass
class Spec:
    """A meeting to place: everything but its time."""
    category: str
    host: object
    participants: list
    mode: str
    title: str
    minutes: int
    days: list[date]
    rrule: str | None = None
    series_start: time | None = None


def single_specs(world, rnd: random.Random, count: int) -> list[Spec]:
    weights = world.era.hosts
    hosts = {kind: world.of_kind(kind) for kind in weights}
    favourites = {code: (world.by_code[code], share)
                  for code, share in world.era.favourites.items() if code in world.by_code}
    # the working days each category may fall on (reviews keep to their season)
    pools = {c: [d for d in world.workdays if d.month in SEASON.get(c, range(1, 13))] or world.workdays
             for c in CATEGORY_WEIGHTS}
    specs = []
    for _ in range(count):
        category = rnd.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        host = _host(rnd, hosts, weights, favourites)
        if host is None:
            continue
        days = _days(rnd, pools[category])
        participants = _participants(world, rnd, category, host)
        participants = [u for u in participants if u.exists_on(days[0])]
        mode = _mode(world, rnd, category, host, days[0])
        if mode != "in_person":
            # a unit without video conference cannot be invited to an online meeting
            participants = [u for u in participants if world.online_ready(u, days[0])]
        specs.append(Spec(category, host, participants, mode, _title(rnd, category, host, days[0]),
                          rnd.choice(MINUTES[category]), days))
    return specs


def _host(rnd, hosts, weights, favourites):
    draw = rnd.random()
    for unit, share in favourites.values():
        if draw < share:
            return unit
        draw -= share
    kind = rnd.choices(list(weights), list(weights.values()))[0]
    return rnd.choice(hosts[kind]) if hosts[kind] else None


def _days(rnd, pool: list[date]) -> list[date]:
    """A working day for the meeting, then a few others to fall back on when it is full."""
    first = rnd.choice(pool)
    return [first] + rnd.sample(pool, min(OTHER_DAYS, len(pool)))


# categories that reach every unit of the level below the host
WIDE = ("trien_khai", "so_ket", "tong_ket", "tap_huan")


def _participants(world, rnd, category, host) -> list:
    """The units a meeting invites, by the level of its host."""
    departments = [u for u in world.of_kind("department") if u.id != host.id]
    # the level below the city: districts before the reform, communes and wards since
    districts = world.of_kind("district") or world.of_kind("ward")
    if host.kind == "city":
        return _invited_by_city(world, rnd, category, departments, districts)
    if host.kind == "department":
        return _invited_by_department(rnd, category, departments, districts)
    if host.kind == "district":
        return _invited_by_district(world, rnd, category, host, departments)
    return _invited_by_ward(world, rnd, category, host)


def _invited_by_city(world, rnd, category, departments, districts) -> list:
    if category in WIDE:
        found = departments + districts
        if category != "tap_huan" and world.of_kind("district") and rnd.random() < DOWN_TO_WARDS:
            found += world.of_kind("ward")
        return found
    if category == "giao_ban":
        return departments
    return rnd.sample(departments, rnd.randint(2, 5)) + rnd.sample(districts, rnd.randint(0, 2))


def _invited_by_department(rnd, category, departments, districts) -> list:
    if category in WIDE:
        return districts if rnd.random() < 0.6 else rnd.sample(districts, rnd.randint(5, 15))
    if category == "giao_ban":
        return []
    return rnd.sample(departments, rnd.randint(0, 3)) + rnd.sample(districts, rnd.randint(0, 2))


def _invited_by_district(world, rnd, category, host, departments) -> list:
    wards = list(world.children[host.id])
    if category in WIDE or category == "giao_ban":
        return wards
    extra = [rnd.choice(departments)] if departments and rnd.random() < 0.3 else []
    return rnd.sample(wards, min(len(wards), rnd.randint(0, 4))) + extra


def _invited_by_ward(world, rnd, category, host) -> list:
    siblings = [u for u in world.children[host.parent_id] if u.id != host.id and u.kind == "ward"]
    if category in ("lam_viec", "khac") and siblings:
        return rnd.sample(siblings, min(len(siblings), rnd.randint(0, 2)))
    return []


def _mode(world, rnd, category, host, day) -> str:
    if not world.online_ready(host, day):
        return "in_person"
    share = min(0.97, ONLINE_SHARE[category] * world.habit[host.id])
    if rnd.random() >= share:
        return "in_person"
    return "online" if rnd.random() < 0.4 else "hybrid"


def _title(rnd, category, host, day: date) -> str:
    template = rnd.choice(catalog.TITLES[category])
    year = day.year
    if category == "tong_ket" and day.month <= 6:
        year -= 1  # a year-end review held in January looks back on the year before
    return template.format(topic=rnd.choice(catalog.TOPICS), unit=catalog.short_name(host),
                           year=year, next_year=year + 1, month=day.month,
                           quarter=("I", "II", "III", "IV")[(day.month - 1) // 3],
                           period=catalog.REVIEW_PERIODS.get(day.month, "quý"))
