"""The booking form (new and edit). Every write goes through the booking service; the view
commits once, and on a refusal shows the form again with everything typed kept."""
from datetime import date, datetime, timedelta

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required, require
from ..core.errors import Conflict, PreconditionFailed, ValidationError
from ..core.form_fields import parse_clock
from ..core.form_messages import show_error
from ..core.requests import day_arg
from ..core.timeutil import LOCAL_TZ, today_local, utcnow
from ..core.types import parse_id
from ..extensions import db
from ..units.models import Unit
from . import bp, services
from .forms import MeetingForm, options, parse_day
from .conflicts import vc_endpoints
from .models import Meeting
from .queries import get_meeting, rooms_busy
from .rules import holidays_of_series
from .series import SeriesError, expand
from ..units.services import get_unit, units_in_reach
from .view_helpers import all_active_units, local, rooms_in_reach

FORM_TEMPLATE = "meetings/form.html"


def participant_groups(units: list[Unit]) -> list[tuple[str, str]]:
    """The bulk choices offices use, from the tree of the meeting's day: every commune and ward
    of the city in the two-level structure (since 1 July 2025), every ward of a district before
    it, every district, every department."""
    groups = []
    parents = {u.parent_id for u in units if u.kind == "ward"}
    for unit in units:
        if unit.id in parents and unit.kind == "city":
            groups.append((f"wards:{unit.code}", _("Tất cả xã, phường")))
        elif unit.id in parents:
            groups.append((f"wards:{unit.code}", _("Tất cả phường, xã của %(name)s", name=unit.name)))
    if any(u.kind == "district" for u in units):
        groups.append(("districts", _("Tất cả quận, huyện, thị xã")))
    if any(u.kind == "department" for u in units):
        groups.append(("departments", _("Tất cả sở, ban, ngành")))
    return groups


def unit_groups(unit: Unit, codes_by_id: dict[int, str]) -> str:
    """The bulk groups a unit belongs to, as the data-groups attribute the page's script reads."""
    if unit.kind == "ward" and unit.parent_id in codes_by_id:
        return f"wards:{codes_by_id[unit.parent_id]}"
    return {"district": "districts", "department": "departments"}.get(unit.kind, "")


def _group_members(key: str, units: list[Unit]) -> list[str]:
    codes_by_id = {u.id: u.code for u in units}
    return [u.code for u in units if key and unit_groups(u, codes_by_id) == key]


def _tree_day(meeting: Meeting | None) -> date:
    """The day whose tree the form offers: the day typed (a group button sends the form back
    with it), else the meeting's own day, else the day asked for in the link, else today."""
    if request.method == "POST":
        typed = parse_day(request.form.get("day"))
        if typed:
            return typed
    if meeting is not None:
        return meeting.start_at.astimezone(LOCAL_TZ).date()
    return day_arg(request.args, "date", None) or today_local()


def _prepare(form: MeetingForm, meeting: Meeting | None = None) -> dict:
    """Fill the form's choices from what the user may reach on the meeting's day; return the
    participant picker's data."""
    day = _tree_day(meeting)
    hosts = units_in_reach(current_user, "book", day)
    if meeting is not None and meeting.host_unit not in hosts:
        hosts.insert(0, meeting.host_unit)
    form.host_unit.choices = options((u.code, f"{u.name} ({u.code})") for u in hosts)
    rooms = rooms_in_reach(current_user, "view")
    extra_rooms = [r for r in (meeting.rooms if meeting else []) if r not in rooms]
    form.rooms.choices = options((r.id, f"{r.name} — {r.unit.name}") for r in extra_rooms + rooms)
    units = all_active_units(day)
    units += [u for u in (meeting.participants if meeting else []) if u not in units]
    form.participants.choices = options((u.code, u.name) for u in units)
    codes_by_id = {u.id: u.code for u in units}
    with_vc = vc_endpoints(units)
    return {"participant_units": [(u, unit_groups(u, codes_by_id)) for u in units],
            "groups": participant_groups(units), "all_units": units, "tree_day": day,
            "without_vc": {u.code for u in units if u.id not in with_vc},
            "room_units": {r.id: r.unit_id for r in extra_rooms + rooms},
            "host_ids": {u.code: u.id for u in hosts}}


def _check_host(form: MeetingForm) -> None:
    """Booking for a unit outside one's reach is a 403, not a form error."""
    code = request.form.get("host_unit")
    if code and code not in {choice.value for choice in form.host_unit.choices}:
        get_unit(code, may="book")


def _apply_slot(form: MeetingForm) -> None:
    """The 'use the next free slot' button carries 'start|end' in local ISO form."""
    try:
        start_text, end_text = request.form["use_slot"].split("|")
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
    except ValueError:
        return
    form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
    form.day.raw_data = [start.strftime("%d/%m/%Y")]
    form.start.raw_data, form.end.raw_data = [start.strftime("%H:%M")], [end.strftime("%H:%M")]


def _conflict_view(err: Conflict) -> dict:
    def moment(value):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(LOCAL_TZ)

    conflicts = [dict(c, start=moment(c["start"]), end=moment(c["end"]))
                 for c in err.details.get("conflicts", [])]
    free = err.details.get("next_free")
    if free:
        free = {"start": moment(free["start"]), "end": moment(free["end"])}
    dates = [date.fromisoformat(d) for d in err.details.get("dates", [])]
    return {"conflicts": conflicts, "next_free": free, "dates": dates}


def series_holidays(data: dict) -> list[tuple[date, str]]:
    """(day, holiday name) of the sittings of the booked series that fall on public holidays."""
    if not data.get("rrule"):
        return []
    try:
        instances = expand(data["rrule"], data["start"], data["end"])
    except SeriesError:
        return []  # the booking service explains what is wrong with the rule
    return holidays_of_series(instances)


def _form_version(form: MeetingForm) -> int | None:
    raw = (form.version.data or "").strip()
    return parse_id(raw)


def _submit(form: MeetingForm, meeting: Meeting | None, picker: dict):
    """Handle a POST of the booking form; returns a response."""
    context = dict(picker, form=form, meeting=meeting)
    refilled = _refill(form, picker, context)
    if refilled is not None:
        return refilled
    if request.form.get("use_slot"):
        _apply_slot(form)
    if not form.validate():
        return render_template(FORM_TEMPLATE, **context), 422
    data = form.to_data()
    data["on_conflict"] = "skip" if request.form.get("on_conflict") == "skip" else "fail"
    if request.form.get("holidays") == "skip":
        data["skip_holidays"] = True
    asked = _confirmation(data, meeting, context)
    if asked is not None:
        return asked
    return _save(form, meeting, data, context)


def _refill(form: MeetingForm, picker: dict, context: dict):
    """The buttons that change the form's participants without saving: add a group, or drop
    the units an online meeting was refused for. None for any other POST."""
    if request.form.get("add_group"):
        key = request.form["add_group"]
        if key == "selected":  # the group list's button; a link may still name the group itself
            key = request.form.get("group", "")
        added = _group_members(key, picker["all_units"])
        form.participants.data = list(dict.fromkeys(list(form.participants.data or []) + added))
        return render_template(FORM_TEMPLATE, **context)
    if request.form.get("drop_units"):
        # "remove these N units" offered after an online meeting was refused for them
        dropped = set(request.form["drop_units"].split())
        form.participants.data = [c for c in form.participants.data or [] if c not in dropped]
        return render_template(FORM_TEMPLATE, dropped=len(dropped), **context)
    return None


def _confirmation(data: dict, meeting: Meeting | None, context: dict):
    """A new booking asks before it books sittings on public holidays, or records a meeting
    already over. None when there is nothing to ask."""
    holidays = series_holidays(data) if meeting is None else []
    if holidays and request.form.get("holidays") not in ("skip", "keep"):
        # the sittings on public holidays are listed before anything is booked
        return render_template(FORM_TEMPLATE, holidays=holidays, **context)
    if meeting is None and data["end"] <= utcnow() and request.form.get("confirm_past") != "1":
        # a past end records the meeting as held at once: a date typo must not do that unasked
        return render_template(FORM_TEMPLATE, past=local(data["start"]), **context)
    return None


def _save(form: MeetingForm, meeting: Meeting | None, data: dict, context: dict):
    """Book or change through the booking service; commit, or show the form again with the
    refusal (every problem found) and everything typed kept."""
    try:
        if meeting is None:
            meeting = services.book_meeting(current_user, data)
        else:
            services.update_meeting(current_user, meeting, data,
                                    expected_version=_form_version(form))
    except PreconditionFailed as err:
        db.session.rollback()
        return render_template(FORM_TEMPLATE, general_errors=[err.message], stale=True,
                               **context), 409
    except ValidationError as err:
        db.session.rollback()
        return render_template(FORM_TEMPLATE, general_errors=show_error(form, err),
                               refused_without_vc=err.details.get("units_without_vc") or [],
                               **context), 422
    except Conflict as err:
        db.session.rollback()
        return render_template(FORM_TEMPLATE, conflict=_conflict_view(err),
                               series=bool(data["rrule"]), **context), 409
    db.session.commit()
    flash(_("Đã lưu cuộc họp “%(title)s”.", title=meeting.title), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
@permission_required("book")
def new():
    form = MeetingForm()
    picker = _prepare(form)
    if request.method == "POST":
        _check_host(form)
        return _submit(form, None, picker)
    own = current_user.unit.code
    form.host_unit.data = own if any(c.value == own for c in form.host_unit.choices) else None
    form.day.data = day_arg(request.args, "date", None) or today_local()
    start, end = parse_clock(request.args.get("start")), parse_clock(request.args.get("end"))
    if start is not None:  # a slot picked on a calendar (the end one hour later unless given)
        form.start.data = start
        later = (datetime.combine(date.today(), start) + timedelta(hours=1)).time()
        form.end.data = end if end is not None and end > start else max(later, start)
    unit = request.args.get("unit", "")
    if any(c.value == unit for c in form.host_unit.choices):
        form.host_unit.data = unit
    room = request.args.get("room", "")
    if parse_id(room) and any(c.value == parse_id(room) for c in form.rooms.choices):
        form.rooms.data = [int(room)]
    return render_template("meetings/form.html", form=form, meeting=None, **picker)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = get_meeting(meeting_id)
    require("book", meeting.host_unit)
    form = MeetingForm()
    picker = _prepare(form, meeting)
    if request.method == "POST":
        _check_host(form)
        return _submit(form, meeting, picker)
    form.fill_from(meeting)
    return render_template("meetings/form.html", form=form, meeting=meeting, **picker)


@bp.route("/meetings/room-availability")
@login_required
@permission_required("book")
def room_availability():
    """For the booking form: which of the given rooms are taken between start and end of a
    day, {"busy": {room id: "title HH:MM–HH:MM"}}. Only rooms the user may see are answered."""
    day = parse_day(request.args.get("date"))
    start, end = parse_clock(request.args.get("start")), parse_clock(request.args.get("end"))
    ids = [i for i in map(parse_id, (request.args.get("rooms") or "").split(",")[:200]) if i]
    if day is None or start is None or end is None or end <= start or not ids:
        return jsonify({"busy": {}})
    visible = {r.id for r in rooms_in_reach(current_user, "view")}
    busy = rooms_busy([i for i in ids if i in visible][:200],
                               datetime.combine(day, start, LOCAL_TZ), datetime.combine(day, end, LOCAL_TZ))
    return jsonify({"busy": {str(room_id): f"{title} {local(s):%H:%M}–{local(e):%H:%M}"
                             for room_id, (title, s, e) in busy.items()}})
