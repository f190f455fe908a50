"""Meetings as JSON (SPEC field names), and what a viewer may see of them.

A unit not taking part in a meeting sees only its public facts (title, host unit, time,
status): agenda, participants, rooms and the join link stay with those invited.
"""
from ..core.timeutil import to_local
from .models import Meeting, Occurrence


def _iso(value):
    return to_local(value).isoformat() if value is not None else None


def public_dict(meeting: Meeting) -> dict:
    return {"id": meeting.id, "title": meeting.title, "host_unit": meeting.host_unit.code,
            "host_unit_name": meeting.host_unit.name, "start": _iso(meeting.start_at),
            "end": _iso(meeting.end_at), "status": meeting.status, "limited": True}


def occurrence_dict(occ: Occurrence) -> dict:
    return {"id": occ.id, "start": _iso(occ.start_at), "end": _iso(occ.end_at),
            "original_start": _iso(occ.original_start), "status": occ.status,
            "held_mode": occ.held_mode, "moved": occ.moved}


def meeting_to_dict(meeting: Meeting, viewer, sittings: bool = True, sees=None) -> dict:
    """The meeting as the viewer may see it; `sittings=False` leaves out what is read from the
    occurrences (lists describe one sitting per item and do not load them); `sees`: see
    Meeting.can_view."""
    if not meeting.can_view(viewer, sees):
        return public_dict(meeting)
    data = {
        "id": meeting.id, "title": meeting.title, "category": meeting.category,
        "host_unit": meeting.host_unit.code, "host_unit_name": meeting.host_unit.name,
        "chair": meeting.chair, "start": _iso(meeting.start_at), "end": _iso(meeting.end_at),
        "mode": meeting.mode, "paperless": meeting.paperless,
        "rooms": [r.id for r in meeting.rooms], "participants": [u.code for u in meeting.participants],
        "agenda": meeting.agenda, "conclusion": meeting.conclusion, "status": meeting.status,
        "rrule": meeting.rrule, "join_url": meeting.join_url, "sequence": meeting.sequence,
        "uid": meeting.uid, "limited": False,
        "decision_reason": meeting.decision_reason,
        "decided_at": _iso(meeting.decided_at),
        "holiday_override_reason": meeting.holiday_override_reason,
        "cancel_reason": meeting.cancel_reason,
    }
    if meeting.rrule:
        data["skipped"] = [_iso_text(v) for v in meeting.exdates or []]
    if not sittings:
        return data
    data["held_mode"] = _held_mode(meeting)
    if meeting.rrule:
        data["occurrences"] = [occurrence_dict(o) for o in meeting.occurrences]
    return data


def _iso_text(value: str) -> str:
    from datetime import datetime

    return to_local(datetime.fromisoformat(value)).isoformat()


def _held_mode(meeting: Meeting):
    """The mode the meeting was held in; for a series only when every held sitting agrees
    (each occurrence carries its own in the calendar list)."""
    modes = {o.held_mode for o in meeting.occurrences if o.status == "held" and o.held_mode}
    return modes.pop() if len(modes) == 1 else None


def occurrence_item(occ: Occurrence, viewer, sees=None) -> dict:
    """One line of a calendar: the meeting's fields with this sitting's time and status."""
    data = meeting_to_dict(occ.meeting, viewer, sittings=False, sees=sees)
    data.update({"meeting_id": occ.meeting_id, "occurrence_id": occ.id, "start": _iso(occ.start_at),
                 "end": _iso(occ.end_at), "status": occ.status,
                 "original_start": _iso(occ.original_start), "moved": occ.moved})
    if not data["limited"]:
        data["held_mode"] = occ.held_mode
    return data
