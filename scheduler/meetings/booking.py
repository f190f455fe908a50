"""The steps every change of a booking shares around the pure plan and check (planning.py,
checking.py): who may use which rooms, reading what the check needs (the units' video
conference, the reservations already overlapping the plan), turning the check's problems into
the refusal (422 naming every field, else 409), and writing sittings with their reservations so
that a concurrent booking loses cleanly (409, never 500)."""
import time
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from ..core.errors import Conflict, Forbidden
from ..core.timeutil import LOCAL_TZ, format_date_vi
from ..extensions import db
from . import checking, planning
from . import conflicts as conflict_rules
from .inputs import invalid
from .models import Meeting, Occurrence, Reservation

EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"
# how long a refused booking waits, at most, for the booking that beat it to commit
WINNER_WAITS, WINNER_WAIT_SECONDS = 20, 0.05


def authorise_rooms(actor, host_unit, rooms) -> None:
    """A meeting may use the rooms of its host unit's subtree (a district meeting in a ward's
    hall), and any room of a unit the booker may book for (an admin lending the city hall)."""
    for room in rooms:
        if room.unit.is_within(host_unit) or room.unit.can_book(actor):
            continue
        raise Forbidden(_("Bạn không được đặt phòng %(room)s của %(unit)s.",
                          room=room.name, unit=room.unit.name))


def vc_of(host_unit, participants, mode: str) -> dict[int, int]:
    """What a plan needs to know of the units' video conference (read before planning)."""
    if not planning.is_online(mode):
        return {}
    return conflict_rules.vc_endpoints([host_unit, *participants])


def overlapping(plan: planning.Plan, exclude_meeting_id=None,
                exclude_occurrence_id=None) -> list[dict]:
    """The reservations of other bookings overlapping the plan's (read before the check)."""
    return conflict_rules.find_conflicts(plan.needs, exclude_meeting_id, exclude_occurrence_id)


def refuse(problems, plan: planning.Plan, rooms, exclude_meeting_id=None,
           exclude_occurrence_id=None) -> None:
    """Raise the refusal for a check's problems (nothing when there are none): every field's
    problem together in one 422, else the 409 naming the clashing bookings and the next free
    slot."""
    errors = checking.field_errors(problems)
    if errors:
        error = invalid(errors)
        vc = [p.units_without_vc for p in problems if p.units_without_vc is not None]
        if vc:
            error.details["units_without_vc"] = list(vc[0])
        raise error
    clashes = [item for p in problems for item in p.clashes]
    if clashes:
        raise conflict_error(clashes, plan.needs, list(plan.instances), rooms,
                             exclude_meeting_id, exclude_occurrence_id)


def meeting_state(meeting, occurrences) -> planning.MeetingState:
    """The meeting as a change is planned from, as plain data."""
    return planning.MeetingState(
        id=meeting.id, status=meeting.status, start=meeting.start_at, end=meeting.end_at,
        rrule=meeting.rrule, mode=meeting.mode, host_unit_id=meeting.host_unit_id,
        room_ids=frozenset(r.id for r in meeting.rooms),
        gated_room_ids=frozenset(r.id for r in meeting.rooms if r.requires_approval),
        participant_ids=frozenset(u.id for u in meeting.participants),
        exdates=tuple(meeting.exdates or ()),
        sittings=tuple(planning.SittingState(o.start_at, o.end_at, o.original_start, o.status,
                                             o.held_mode) for o in occurrences))


def describe_conflicts(found: list[dict], instances) -> list[dict]:
    for item in found:
        start = instances[item["instance"]][0]
        item["date"] = start.astimezone(LOCAL_TZ).date().isoformat()
    return found


def conflict_error(found, needs, instances, rooms, exclude_meeting_id=None,
                   exclude_occurrence_id=None) -> Conflict:
    first = min(item["instance"] for item in found)
    start, end = instances[first]
    proposal = conflict_rules.next_free([n for n in needs if n.instance == first], start, end,
                                        rooms, exclude_meeting_id, exclude_occurrence_id)
    described = describe_conflicts(found, instances)
    titles = "; ".join(dict.fromkeys(
        f"{c['title']} ({c['unit_name']}, {_when(c)})" for c in described))
    dates = sorted({c["date"] for c in described})
    message = _("Trùng lịch với: %(titles)s.", titles=titles[:600])
    if any(c.get("resource_kind") == "endpoint" for c in described):
        # the clash may lie only in the connection test before one of the meetings
        message += " " + _("Điểm cầu được giữ từ %(n)d phút trước giờ họp để kết nối thử, nên "
                           "hai cuộc họp trực tuyến cần cách nhau ít nhất chừng ấy thời gian.",
                           n=int(conflict_rules.lead_time().total_seconds() // 60))
    if len(dates) > 1:
        message += " " + _("Các ngày trùng: %(dates)s.", dates=", ".join(
            format_date_vi(datetime.fromisoformat(d).date()) for d in dates[:20]))
    if proposal:
        message += " " + _("Khung giờ trống gần nhất: %(start)s.", start=_human(proposal["start"]))
    return Conflict(message, {"conflicts": described, "next_free": proposal,
                              "dates": dates})


def _human(iso_text: str) -> str:
    return datetime.fromisoformat(iso_text).strftime("%H:%M %d/%m/%Y")


def _when(item) -> str:
    start, end = datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])
    return f"{start.strftime('%H:%M')}–{end.strftime('%H:%M')} {start.strftime('%d/%m/%Y')}"


def _reservation_values(occ: Occurrence, room_ids, endpoint_ids, online: bool) -> list[dict]:
    lead = conflict_rules.lead_time()
    active = occ.status != "cancelled"
    # rows in one order (rooms, then endpoints, each by id), so that two bookings of the same
    # resources wait for each other on PostgreSQL instead of deadlocking
    made = [dict(resource_kind="room", resource_id=rid, starts_at=occ.start_at,
                 ends_at=occ.end_at, active=active) for rid in sorted(set(room_ids))]
    if online:
        made += [dict(resource_kind="endpoint", resource_id=eid, starts_at=occ.start_at - lead,
                      ends_at=occ.end_at, active=active) for eid in sorted(set(endpoint_ids))]
    return made


def reservations_for(occ: Occurrence, room_ids, endpoint_ids, online: bool) -> list[Reservation]:
    return [Reservation(**values) for values in
            _reservation_values(occ, room_ids, endpoint_ids, online)]


def reservation_rows(occurrences, room_ids, endpoint_ids, online: bool) -> list[dict]:
    """The reservations of freshly flushed sittings as rows for one executemany: a booking of
    many rooms and endpoints would otherwise be written one INSERT … RETURNING at a time."""
    return [dict(values, occurrence_id=occ.id) for occ in occurrences
            for values in _reservation_values(occ, room_ids, endpoint_ids, online)]


def occurrence_of(sitting: planning.Sitting) -> Occurrence:
    """A planned sitting as the row to write."""
    return Occurrence(start_at=sitting.start, end_at=sitting.end,
                      original_start=sitting.original_start, status=sitting.status,
                      held_mode=sitting.held_mode)


def flush_guarded(needs, instances, rooms, exclude_meeting_id=None, exclude_occurrence_id=None,
                  rows=None):
    """Write the booking's rows (and the reservation rows `rows()` gives after the flush). On PostgreSQL the exclusion constraint refuses an overlapping
    reservation that a concurrent booking committed after our check, and two bookings taking
    the same resources may deadlock on each other's rows; either way the transaction is lost.
    It is rolled back, and the same 409 the check would have given is raised, naming the
    meetings found now.

    (Not a savepoint: Session.begin_nested() flushes the pending rows before it emits
    SAVEPOINT, so the violation would escape it and leave the transaction aborted.)"""
    try:
        db.session.flush()
        if rows is not None:
            made = rows()  # computed now: the sittings have their ids
            if made:
                db.session.execute(sa.insert(Reservation.__table__), made)
    except (IntegrityError, OperationalError) as err:
        if not _lost_to_another_booking(err):
            raise
        in_savepoint = _roll_back_this_booking()
        found = conflict_rules.find_conflicts(needs, exclude_meeting_id, exclude_occurrence_id)
        for _attempt in range(WINNER_WAITS):
            # after a deadlock the other booking goes on and commits a moment later: give it
            # that moment, so that the refusal can name it
            if found:
                break
            time.sleep(WINNER_WAIT_SECONDS)
            if not in_savepoint:  # a fresh snapshot; a savepoint's transaction must go on
                db.session.rollback()
            found = conflict_rules.find_conflicts(needs, exclude_meeting_id, exclude_occurrence_id)
        if not found:  # the other booking never committed (or vanished): try again
            raise Conflict(_("Có người vừa đặt trùng thời gian; vui lòng thử lại."),
                           {"conflicts": [], "next_free": None}) from None
        raise conflict_error(found, needs, instances, rooms, exclude_meeting_id,
                             exclude_occurrence_id) from None


def _roll_back_this_booking() -> bool:
    """The failed booking's transaction, or only its savepoint when it is one of several
    bookings made together (an .ics import): the others keep their verdict. True for the
    latter."""
    nested = db.session().get_nested_transaction()
    if nested is not None:
        nested.rollback()
        return True
    db.session.rollback()
    return False


def _lost_to_another_booking(err) -> bool:
    """PostgreSQL's exclusion constraint or a deadlock between two bookings, or SQLite's
    triggers standing in for the constraint (a write path that skipped the free check)."""
    return (getattr(err.orig, "sqlstate", None) in (EXCLUSION_VIOLATION, DEADLOCK_DETECTED)
            or "ex_reservation_no_overlap" in str(err.orig))


def deactivate(occurrences) -> None:
    ids = [o.id for o in occurrences if o.id is not None]
    if ids:
        db.session.execute(sa.update(Reservation).where(Reservation.occurrence_id.in_(ids))
                           .values(active=False).execution_options(synchronize_session="fetch"))


def require_text(value, field: str, required: bool, maximum: int = 500) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid({field: _("Giá trị phải là chuỗi ký tự.")})
    value = value.strip()
    if required and not value:
        raise invalid({field: _("Cần nêu lý do.")})
    if len(value) > maximum:
        raise invalid({field: _("Tối đa %(n)d ký tự.", n=maximum)})
    return value or None


def audit_view(meeting: Meeting) -> dict:
    """The meeting's fields as the audit diff records them."""
    return {"title": meeting.title, "category": meeting.category,
            "host_unit": meeting.host_unit.code if meeting.host_unit else None,
            "chair": meeting.chair, "start": meeting.start_at, "end": meeting.end_at,
            "mode": meeting.mode, "paperless": meeting.paperless,
            "rooms": [r.id for r in meeting.rooms],
            "participants": sorted(u.code for u in meeting.participants),
            "agenda": meeting.agenda, "conclusion": meeting.conclusion, "rrule": meeting.rrule, "status": meeting.status,
            "join_url": meeting.join_url, "holiday_override_reason": meeting.holiday_override_reason}


def settle_status(meeting: Meeting) -> None:
    """The meeting's status from its sittings' (planning.meeting_status)."""
    meeting.status = planning.meeting_status(o.status for o in meeting.occurrences)


def ensure_can_change(actor, meeting: Meeting, host_unit=None) -> None:
    """The actor may change the meeting (Meeting.can_change) and, when the change gives it
    another `host_unit`, book for that unit too."""
    refused = host_unit if host_unit is not None and not host_unit.can_book(actor) else None
    if not meeting.can_change(actor):
        refused = meeting.host_unit
    if refused is not None:
        raise Forbidden(_("Bạn không có quyền thay đổi cuộc họp của %(unit)s.",
                          unit=refused.name))
