"""Calendar pages: the week grid, the month, the rooms' day, the weekly work schedule (lịch công
tác tuần) and the search. They only read, through `queries.find_occurrences`."""
import calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template, request
from markupsafe import Markup
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required, reach
from ..core.errors import ValidationError
from ..core.labels import LABELS
from ..core.settings import settings
from ..core.timeutil import LOCAL_TZ, WEEKDAY_NAMES_VI, official_date_line, today_local
from ..core.read_only import read_only
from ..core.requests import day_arg, page_arg
from ..extensions import db
from ..rooms.models import Room
from . import bp, calendar_tags, queries
from ..units.services import units_in_reach
from .view_helpers import (local, may_book_somewhere, monday_of, occurrences_between, picker_rooms,
                           picker_units, requested_day, requested_room, requested_unit)

FIRST_HOUR, LAST_HOUR = 7, 19  # the office day shown on the grids
SLOT_MINUTES = 30
SEARCH_PER_PAGE = 25


def _pickers(unit, room) -> dict:
    around = room.unit if room is not None else (unit or current_user.unit)
    return {"units": picker_units(current_user, around),
            "rooms": picker_rooms(current_user, around, room)}


def _hour_rows(items) -> list[tuple[str, int | None]]:
    """Row keys of the week grid: the office hours, plus 'before' and 'after' rows only when a
    meeting falls there."""
    hours = {local(o.start_at).hour for o in items}
    rows = [(_("Trước %(h)02d:00", h=FIRST_HOUR), -1)] if any(h < FIRST_HOUR for h in hours) else []
    rows += [(f"{h:02d}:00", h) for h in range(FIRST_HOUR, LAST_HOUR)]
    if any(h >= LAST_HOUR for h in hours):
        rows.append((_("Từ %(h)02d:00", h=LAST_HOUR), LAST_HOUR))
    return rows


def _row_key(occurrence) -> int:
    hour = local(occurrence.start_at).hour
    return -1 if hour < FIRST_HOUR else min(hour, LAST_HOUR)


def _spans(items) -> dict[int, dict]:
    """Where each sitting of the office hours sits in its day's column, so the page's script can
    draw it over the hours it lasts: minutes after its hour row begins, minutes it lasts (up to
    the end of the grid), and its lane among the day's overlapping sittings."""
    spans: dict[int, dict] = {}
    lanes_end: dict = defaultdict(list)  # day -> end of the last sitting in each lane
    for occurrence in items:
        start, end = local(occurrence.start_at), local(occurrence.end_at)
        if not FIRST_HOUR <= start.hour < LAST_HOUR:
            continue
        closing = start.replace(hour=LAST_HOUR, minute=0)
        lanes = lanes_end[start.date()]
        lane = next((i for i, busy_until in enumerate(lanes) if busy_until <= start), len(lanes))
        if lane == len(lanes):
            lanes.append(end)
        else:
            lanes[lane] = end
        spans[occurrence.id] = {"offset": start.minute,
                                "minutes": max(15, int((min(end, closing) - start).total_seconds() // 60)),
                                "lane": lane, "day": start.date()}
    for span in spans.values():
        span["lanes"] = len(lanes_end[span.pop("day")])
    return spans


@bp.route("/meetings/week")
@read_only
@login_required
@permission_required("view")
def week():
    room = requested_room()
    unit = None if room else requested_unit()
    monday = monday_of(requested_day())
    today = today_local()
    # everything the page below the menu depends on besides the calendar's data: the pickers
    # follow the viewer's reach and own unit, the booking links the right to book
    key = (getattr(unit, "id", None), getattr(room, "id", None), monday, today, str(get_locale()),
           may_book_somewhere(), current_user.unit_id, reach(current_user, "view"))
    calendar = [room.unit_id if room else unit.id]
    # the calendar's tags and the menu's counts in one statement: on a kept week nothing else
    # is read
    tags, menu_counts = calendar_tags.tags_and_menu_counts(calendar)
    body = calendar_tags.cached("week", calendar, key, lambda: _week_body(unit, room, monday, today),
                                tags=tags)
    # our own template's output, escaped as it was rendered
    return render_template("meetings/week.html", body=Markup(body),  # nosec B704 - see above
                           menu_counts=menu_counts)


def _week_body(unit, room, monday: date, today: date) -> str:
    days = [monday + timedelta(days=i) for i in range(7)]
    items = occurrences_between(current_user, days[0], days[-1], unit=unit, room=room, brief=True)
    cells = defaultdict(list)
    for occurrence in items:
        cells[(local(occurrence.start_at).date(), _row_key(occurrence))].append(occurrence)
    by_day = defaultdict(list)
    for occurrence in items:
        by_day[local(occurrence.start_at).date()].append(occurrence)
    # the grid's rows with their cells, laid out here rather than looked up cell by cell in
    # the template (84 cells, each a lookup and a date formatted, on every cache miss)
    day_isos = [(day, day.isoformat()) for day in days]
    grid = [(label, key, [(iso, cells.get((day, key), ())) for day, iso in day_isos])
            for label, key in _hour_rows(items)]
    return render_template(
        "meetings/_week_body.html", unit=unit, room=room, days=days, grid=grid, spans=_spans(items), by_day=by_day, first_hour=FIRST_HOUR,
        weekday_names=WEEKDAY_NAMES_VI, today=today,
        prev_day=monday - timedelta(days=7), next_day=monday + timedelta(days=7),
        **_pickers(unit, room))


@bp.route("/meetings/month")
@read_only
@login_required
@permission_required("view")
def month():
    room = requested_room()
    unit = None if room else requested_unit()
    day = requested_day()
    first = day.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    grid_start, grid_end = monday_of(first), monday_of(last) + timedelta(days=6)
    by_day = defaultdict(list)
    for occurrence in occurrences_between(current_user, grid_start, grid_end, unit=unit, room=room,
                                          brief=True):
        by_day[local(occurrence.start_at).date()].append(occurrence)
    weeks = []
    cursor = grid_start
    while cursor <= grid_end:
        weeks.append([cursor + timedelta(days=i) for i in range(7)])
        cursor += timedelta(days=7)
    return render_template(
        "meetings/month.html", unit=unit, room=room, first=first, weeks=weeks, by_day=by_day,
        month_days=[first + timedelta(days=i) for i in range(last.day)],
        weekday_names=WEEKDAY_NAMES_VI, today=today_local(),
        prev_day=(first - timedelta(days=1)).replace(day=1), next_day=last + timedelta(days=1),
        **_pickers(unit, room))


def _room_cells(day: date, occurrences) -> list[dict]:
    """One room's row of the day grid: half-hour slots from 07:00 to 19:00, the slots of one
    meeting merged into a single cell."""
    cells = []
    slot = datetime.combine(day, time(FIRST_HOUR), LOCAL_TZ)
    closing = datetime.combine(day, time(LAST_HOUR), LOCAL_TZ)
    while slot < closing:
        # a meeting that began before 07:00 still fills the first slots it overlaps
        taken = next((o for o in occurrences if o.start_at <= slot < o.end_at
                      or slot <= o.start_at < slot + timedelta(minutes=SLOT_MINUTES)), None)
        if taken is not None and cells and cells[-1]["occurrence"] is taken:
            cells[-1]["span"] += 1
        else:
            cells.append({"occurrence": taken, "span": 1, "at": slot})
        slot += timedelta(minutes=SLOT_MINUTES)
    return cells


@bp.route("/meetings/rooms")
@read_only
@login_required
@permission_required("view")
def rooms_day():
    unit = requested_unit()
    day = requested_day()
    rooms = list(db.session.scalars(sa.select(Room).where(Room.unit_id == unit.id, Room.active.is_(True))
                                    .order_by(Room.name)))
    by_room = defaultdict(list)  # one query for every room of the unit
    for occurrence in occurrences_between(current_user, day, day, rooms=rooms, brief=True):
        for room in occurrence.meeting.rooms:
            by_room[room.id].append(occurrence)
    grid = [(room, _room_cells(day, by_room[room.id])) for room in rooms]
    hours = list(range(FIRST_HOUR, LAST_HOUR))
    return render_template("meetings/rooms_day.html", unit=unit, day=day, grid=grid, hours=hours,
                           slots_per_hour=60 // SLOT_MINUTES, units=picker_units(current_user, unit),
                           weekday_name=WEEKDAY_NAMES_VI[day.weekday()],
                           prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))


@bp.route("/meetings/schedule")
@read_only
@login_required
@permission_required("view")
def schedule():
    unit = requested_unit()
    monday = monday_of(requested_day())
    sunday = monday + timedelta(days=6)
    grouped = defaultdict(lambda: {"morning": [], "afternoon": []})
    for occurrence in occurrences_between(current_user, monday, sunday, unit=unit, with_agenda=True):
        start = local(occurrence.start_at)
        grouped[start.date()]["morning" if start.hour < 12 else "afternoon"].append(occurrence)
    # Offices print every working day, even an empty one; the weekend only when it has meetings.
    days = [monday + timedelta(days=i) for i in range(7) if i < 5 or (monday + timedelta(days=i)) in grouped]
    return render_template(
        "meetings/schedule.html", unit=unit, monday=monday, sunday=sunday, days=days,
        grouped=grouped, weekday_names=WEEKDAY_NAMES_VI, units=picker_units(current_user, unit),
        dateline=official_date_line(settings().city_name, today_local()),
        prev_day=monday - timedelta(days=7), next_day=monday + timedelta(days=7))


def _search_args() -> dict:
    args = {"q": (request.args.get("q") or "").strip()[:200], "category": request.args.get("category") or "",
            "unit": None}
    if args["category"] and args["category"] not in LABELS["category"]:
        raise ValidationError(_("Loại cuộc họp không hợp lệ."))
    for key in ("from", "to"):
        args[key] = day_arg(request.args, key, None)
    if request.args.get("unit"):
        args["unit"] = requested_unit()
    return args


@bp.route("/meetings/search")
@read_only
@login_required
@permission_required("view")
def search():
    args = _search_args()
    searched = any(request.args.get(k) for k in ("q", "unit", "category", "from", "to"))
    results = None
    if searched:
        query = queries.search_meetings(current_user, words=args["q"], unit=args["unit"],
                                        category=args["category"], start_day=args["from"],
                                        end_day=args["to"])
        results = db.paginate(query, page=page_arg(), per_page=SEARCH_PER_PAGE, error_out=False)
    return render_template("meetings/search.html", results=results, searched=searched,
                           units=units_in_reach(current_user), args=request.args,
                           categories=LABELS["category"])
