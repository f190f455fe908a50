"""The booking form (new and edit). Every write goes through the booking service; the view
commits once, and on a refusal shows the form again with everything typed kept."""
from datetime import date, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required, require
from ..core.errors import Conflict, NotFound, PreconditionFailed, ValidationError
from ..core.timeutil import LOCAL_TZ, today_local
from ..extensions import db
from ..units.models import Unit
from . import bp, services
from .forms import MeetingForm, options, parse_day
from .models import Meeting
from ..units.services import units_in_reach
from .view_helpers import all_active_units, rooms_in_reach

# the service's field names that the form spells differently
SERVICE_FIELDS = {"start": "start_time", "end": "end_time", "rrule": "repeat", "skip_dates": "repeat"}


def participant_groups(units: list[Unit]) -> list[tuple[str, str]]:
    """The bulk choices offices use: every ward of a district (or of the city, in the two-level
    structure), every district, every department."""
    groups = []
    parents = {u.parent_id for u in units if u.kind == "ward"}
    for unit in units:
        if unit.id in parents:
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


def _prepare(form: MeetingForm, meeting: Meeting | None = None) -> dict:
    """Fill the form's choices from what the user may reach; return the participant picker's data."""
    hosts = units_in_reach(current_user, "book")
    if meeting is not None and meeting.host_unit not in hosts:
        hosts.insert(0, meeting.host_unit)
    form.host_unit.choices = options((u.code, f"{u.name} ({u.code})") for u in hosts)
    rooms = rooms_in_reach(current_user, "view")
    extra_rooms = [r for r in (meeting.rooms if meeting else []) if r not in rooms]
    form.rooms.choices = options((r.id, f"{r.name} — {r.unit.name}") for r in extra_rooms + rooms)
    units = all_active_units()
    units += [u for u in (meeting.participants if meeting else []) if u not in units]
    form.participants.choices = options((u.code, u.name) for u in units)
    codes_by_id = {u.id: u.code for u in units}
    return {"participant_units": [(u, unit_groups(u, codes_by_id)) for u in units],
            "groups": participant_groups(units), "all_units": units}


def _check_host(form: MeetingForm) -> None:
    """Booking for a unit outside one's reach is a 403, not a form error."""
    code = request.form.get("host_unit")
    if code and code not in {choice.value for choice in form.host_unit.choices}:
        unit = Unit.by_code(code)
        if unit is None:
            raise NotFound(_("Không tìm thấy đơn vị mã %(code)s.", code=code))
        require("book", unit)


def _apply_slot(form: MeetingForm) -> None:
    """The 'use the next free slot' button carries 'start|end' in local ISO form."""
    try:
        start_text, end_text = request.form["use_slot"].split("|")
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
    except ValueError:
        return
    form.day.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
    form.day.raw_data = [start.strftime("%d/%m/%Y")]
    form.start_time.raw_data, form.end_time.raw_data = [start.strftime("%H:%M")], [end.strftime("%H:%M")]


def _show_service_errors(form: MeetingForm, err: ValidationError) -> list[str]:
    general = []
    for name, message in (err.details.get("fields") or {}).items():
        field = getattr(form, SERVICE_FIELDS.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            general.append(message)
    return general or ([err.message] if not err.details.get("fields") else [])


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


def _form_version(form: MeetingForm) -> int | None:
    raw = (form.version.data or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _submit(form: MeetingForm, meeting: Meeting | None, picker: dict):
    """Handle a POST of the booking form; returns a response."""
    template = "meetings/form.html"
    context = dict(picker, form=form, meeting=meeting)
    if request.form.get("add_group"):
        added = _group_members(request.form["add_group"], picker["all_units"])
        form.participants.data = list(dict.fromkeys(list(form.participants.data or []) + added))
        return render_template(template, **context)
    if request.form.get("use_slot"):
        _apply_slot(form)
    if not form.validate():
        return render_template(template, **context), 422
    data = form.to_data()
    data["on_conflict"] = "skip" if request.form.get("on_conflict") == "skip" else "fail"
    try:
        if meeting is None:
            meeting = services.book_meeting(current_user, data)
        else:
            services.update_meeting(current_user, meeting, data,
                                    expected_version=_form_version(form))
    except PreconditionFailed as err:
        db.session.rollback()
        return render_template(template, general_errors=[err.message], stale=True, **context), 409
    except ValidationError as err:
        db.session.rollback()
        return render_template(template, general_errors=_show_service_errors(form, err), **context), 422
    except Conflict as err:
        db.session.rollback()
        return render_template(template, conflict=_conflict_view(err), series=bool(data["rrule"]),
                               **context), 409
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
    form.day.data = parse_day(request.args.get("date")) or today_local()
    try:
        start = datetime.strptime(request.args.get("start", ""), "%H:%M")
        form.start_time.data = start.time()
        form.end_time.data = (start + timedelta(hours=1)).time()
    except ValueError:
        pass  # no start time offered: the user types one
    room = request.args.get("room", "")
    if room.isdigit() and any(c.value == int(room) for c in form.rooms.choices):
        form.rooms.data = [int(room)]
    return render_template("meetings/form.html", form=form, meeting=None, **picker)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("Không tìm thấy cuộc họp."))
    require("book", meeting.host_unit)
    form = MeetingForm()
    picker = _prepare(form, meeting)
    if request.method == "POST":
        _check_host(form)
        return _submit(form, meeting, picker)
    form.fill_from(meeting)
    return render_template("meetings/form.html", form=form, meeting=meeting, **picker)
