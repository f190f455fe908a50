"""Meetings in the JSON API: list (occurrences expanded), book, read, change, cancel, approve,
decline, and the single-sitting operations of a series. Each route parses, calls the booking
service and commits once."""
from datetime import datetime, timedelta

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import allowed_units, reach, require
from ..core.errors import ValidationError
from ..core.read_only import read_only
from ..core.types import parse_id
from ..core.timeutil import local_midnight_utc, to_utc, today_local
from ..extensions import db
from ..meetings import services
from ..meetings import calendar_tags, queries
from ..meetings.serializers import meeting_to_dict, occurrence_dict, occurrence_item
from ..rooms.services import get_room
from ..units.services import get_unit
from . import body, bp, query, schemas
from .helpers import json_body, parse_date_or_datetime
from .paging import offset_page, sitting_page

MAX_LIST_DAYS = 400


def answers_conflicts():
    return bp.alt_response(409, schema=schemas.ConflictError,
                           description="Conflict: the clashing meetings and the next free slot")


def _bound(name: str, default: datetime, end_of_day: bool) -> datetime:
    raw = request.args.get(name)
    if not raw:
        return default
    value = parse_date_or_datetime(raw, name)
    if not 1900 <= value.year <= 2100:  # also keeps the window arithmetic below in range
        raise ValidationError(_("Ngày ngoài phạm vi: %(value)s.", value=raw[:40]),
                              {"fields": {name: _("Ngày ngoài phạm vi.")}})
    if isinstance(value, datetime):
        return to_utc(value)
    # a date `end` includes that whole day
    return local_midnight_utc(value + timedelta(days=1) if end_of_day else value)


def _list_window() -> tuple[datetime, datetime]:
    start = _bound("start", local_midnight_utc(today_local()), end_of_day=False)
    end = _bound("end", start + timedelta(days=31), end_of_day=True)
    if end <= start:
        raise ValidationError(_("Thời điểm kết thúc (end) phải sau thời điểm bắt đầu (start)."),
                              {"fields": {"end": _("Phải sau start.")}})
    if end - start > timedelta(days=MAX_LIST_DAYS):
        raise ValidationError(_("Khoảng thời gian tối đa %(n)d ngày.", n=MAX_LIST_DAYS),
                              {"fields": {"end": _("Khoảng thời gian quá dài.")}})
    return start, end


def _room_arg():
    raw = request.args.get("room")
    if not raw:
        return None
    if parse_id(raw) is None:
        raise ValidationError(_("Mã phòng họp phải là số."),
                              {"fields": {"room": _("Mã phòng họp phải là số.")}})
    return get_room(int(raw))


@bp.get("/meetings")
@query(schemas.MeetingList)
@bp.response(200, schemas.MeetingPage)
@read_only
@login_required
def list_meetings():
    """Meetings hosted by or involving a unit, one item per sitting"""
    start, end = _list_window()
    unit = get_unit(request.args["unit"]) if request.args.get("unit") else None
    room = _room_arg()
    words = (request.args.get("q") or "").strip()
    if len(words) > 200:
        raise ValidationError(_("Từ khóa tìm kiếm dài tối đa 200 ký tự."),
                              {"fields": {"q": _("Tối đa %(n)d ký tự.", n=200)}})

    def page() -> bytes:
        occurrences, following = sitting_page(lambda after, limit: queries.find_occurrences(
            current_user, start, end, unit=unit, room=room, words=words, after=after, limit=limit))
        sees = allowed_units(current_user, "view")  # the viewer's reach, once for every item
        return current_app.json.response({
            "meetings": [occurrence_item(o, current_user, sees) for o in occurrences],
            "next": following}).get_data()

    calendars = [u.id for u in (unit, getattr(room, "unit", None)) if u is not None]
    if not calendars:  # everything in the viewer's reach: no one calendar's tag covers it
        body = page()
    else:
        for shown in {getattr(room, "unit", None), unit} - {None}:
            require("view", shown)
        # the page depends on the arguments, on the window's default (today) and on what the
        # viewer may see of each meeting (their reach, from their role and unit)
        key = (tuple(sorted(request.args.items(multi=True))), today_local(), current_user.unit_id,
               reach(current_user, "view"))
        body = calendar_tags.cached("api-meetings", calendars, key, page)
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


@bp.post("/meetings")
@body(schemas.NewMeeting)
@bp.response(201, schemas.Meeting, description="Booked")
@answers_conflicts()
@login_required
def create_meeting():
    """Book a meeting or a series"""
    meeting = services.book_meeting(current_user, json_body())
    # described before the commit, which would expire the meeting, its 50 participants, its
    # rooms and sittings only for them to be loaded again; a failing commit still answers 500
    body = meeting_to_dict(meeting, current_user)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/meetings/pending")
@query(schemas.Page)
@bp.response(200, schemas.MeetingPage)
@read_only
@login_required
def list_pending_approvals():
    """Bookings awaiting my approval"""
    meetings, following = offset_page("pending", lambda offset, limit: queries.pending_approvals(
        current_user, offset=offset, limit=limit))
    sees = allowed_units(current_user, "view")
    return jsonify({"meetings": [meeting_to_dict(m, current_user, sees=sees) for m in meetings],
                    "next": following})


def _expected_version() -> int | None:
    """The meeting version an If-Match header asks for (the ETag of GET …/meetings/<id>);
    None without the header or with `*`. A tag that is no version of ours never matches."""
    if "If-Match" not in request.headers or request.if_match.star_tag:
        return None
    for tag in request.if_match:
        if parse_id(tag):
            return parse_id(tag)
    return -1


def _with_etag(meeting, status: int = 200):
    """The meeting as JSON with its version as the ETag. Described before the commit, which
    would expire everything only for it to be loaded again."""
    response = jsonify(meeting_to_dict(meeting, current_user))
    response.status_code = status
    response.set_etag(str(meeting.version))
    return response


@bp.get("/meetings/<int:meeting_id>")
@bp.response(200, schemas.Meeting)
@read_only
@login_required
def get_meeting(meeting_id):
    """One meeting"""
    return _with_etag(queries.get_meeting(meeting_id))


@bp.patch("/meetings/<int:meeting_id>")
@body(schemas.MeetingInput)
@bp.response(200, schemas.Meeting)
@answers_conflicts()
@login_required
def update_meeting(meeting_id):
    """Change a meeting (only the fields given)"""
    meeting = services.update_meeting(current_user, queries.get_meeting(meeting_id), json_body(),
                                      expected_version=_expected_version())
    response = _with_etag(meeting)
    db.session.commit()
    return response


def _reason() -> str | None:
    data = request.get_json(silent=True)
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValidationError(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data.get("reason")


def _decide(action, meeting_id):
    """Cancel, approve or decline: the reason from the body, If-Match honoured, the changed
    meeting answered with its new ETag."""
    meeting = action(current_user, queries.get_meeting(meeting_id), _reason(),
                     expected_version=_expected_version())
    response = _with_etag(meeting)
    db.session.commit()
    return response


@bp.post("/meetings/<int:meeting_id>/cancel")
@body(schemas.Reason, required=False)
@bp.response(200, schemas.Meeting)
@login_required
def cancel_meeting(meeting_id):
    """Cancel a meeting, or withdraw one recorded as held

    The reason is required (422 without it); either leaves the reports."""
    return _decide(services.cancel_meeting, meeting_id)


@bp.post("/meetings/<int:meeting_id>/approve")
@body(schemas.Reason, required=False)
@bp.response(200, schemas.Meeting)
@login_required
def approve_meeting(meeting_id):
    """Approve a pending booking"""
    return _decide(services.approve_meeting, meeting_id)


@bp.post("/meetings/<int:meeting_id>/decline")
@body(schemas.Reason, required=False)
@bp.response(200, schemas.Meeting)
@login_required
def decline_meeting(meeting_id):
    """Decline a pending booking (reason required)"""
    return _decide(services.decline_meeting, meeting_id)


@bp.post("/meetings/<int:meeting_id>/restore")
@body(schemas.Restore)
@bp.response(201, schemas.Occurrence, description="Restored")
@answers_conflicts()
@login_required
def restore_occurrence(meeting_id):
    """Take back a skipped date of a series"""
    data = json_body()
    occ = services.restore_occurrence(current_user, queries.get_meeting(meeting_id),
                                      data.get("original_start"),
                                      expected_version=_expected_version())
    db.session.commit()
    return jsonify(occurrence_dict(occ)), 201


def _occurrence(meeting_id, occurrence_id):
    return queries.get_occurrence(queries.get_meeting(meeting_id), occurrence_id)


@bp.post("/meetings/<int:meeting_id>/occurrences/<int:occurrence_id>/cancel")
@body(schemas.Reason, required=False)
@bp.response(200, schemas.Occurrence)
@login_required
def cancel_occurrence(meeting_id, occurrence_id):
    """Cancel one sitting of a series"""
    occ = services.cancel_occurrence(current_user, _occurrence(meeting_id, occurrence_id), _reason(),
                                     expected_version=_expected_version())
    db.session.commit()
    return jsonify(occurrence_dict(occ))


@bp.post("/meetings/<int:meeting_id>/occurrences/<int:occurrence_id>/move")
@body(schemas.Move)
@bp.response(200, schemas.Occurrence)
@answers_conflicts()
@login_required
def move_occurrence(meeting_id, occurrence_id):
    """Move one sitting of a series"""
    data = json_body()
    occ = services.move_occurrence(current_user, _occurrence(meeting_id, occurrence_id),
                                   data.get("start"), data.get("end"),
                                   expected_version=_expected_version())
    db.session.commit()
    return jsonify(occurrence_dict(occ))


@bp.post("/meetings/<int:meeting_id>/occurrences/<int:occurrence_id>/held-mode")
@body(schemas.HeldMode)
@bp.response(200, schemas.Occurrence)
@login_required
def set_held_mode(meeting_id, occurrence_id):
    """Correct the mode a sitting was held in"""
    data = json_body()
    occ = services.set_held_mode(current_user, _occurrence(meeting_id, occurrence_id),
                                 data.get("held_mode"), expected_version=_expected_version())
    db.session.commit()
    return jsonify(occurrence_dict(occ))
