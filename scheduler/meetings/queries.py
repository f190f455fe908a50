"""Reading meetings: the one home of the queries pages, the API, feeds and jobs share.

- `get_meeting` / `get_occurrence` / `readable_meeting`: one id to one row, or the NotFound
  (404) and Forbidden (403) every caller answers alike;
- `find_occurrences`: the sittings of a window, limited to what the viewer may see, with
  everything a calendar shows read in one statement per kind;
- `search_meetings` and `text_condition`: finding meetings by what people type ("tong ket ba
  dinh" finds "Hội nghị tổng kết" of "Quận Ba Đình": words match the title or the host unit's
  name, each word anywhere, without regard to case or Vietnamese marks; see core/textsearch.py);
- the bookings waiting for a user's approval, and which rooms are busy.

"Hosted by or involving" is `Meeting.involving` on the model.
"""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload

from ..core.access import get_or_404, reach, require
from ..core.db_setup import custom_plans
from ..core.textsearch import contains, fold
from ..core.timeutil import local_day_bounds
from ..extensions import db
from ..rooms.models import Room
from ..units.models import Unit
from .models import Meeting, Occurrence, Reservation, meeting_room

MAX_QUERY = 200


def get_meeting(meeting_id) -> Meeting:
    return get_or_404(Meeting, meeting_id, _("Không tìm thấy cuộc họp."))


def get_occurrence(meeting: Meeting, occurrence_id) -> Occurrence:
    return get_or_404(Occurrence, occurrence_id, _("Không tìm thấy buổi họp này trong chuỗi."),
                      within={"meeting_id": meeting.id})


def readable_meeting(user, meeting_id) -> Meeting:
    """The meeting, if the user may read its details (Meeting.can_view)."""
    return get_or_404(Meeting, meeting_id, _("Không tìm thấy cuộc họp."), user, "view",
                      _("Bạn không có quyền xem cuộc họp này."))


def text_condition(words: str | None):
    """SQL condition on Meeting: every word typed is in its title or its host unit's name."""
    terms = fold(words or "").split()
    if not terms:
        return sa.true()
    host_name = sa.select(Unit.name).where(Unit.id == Meeting.host_unit_id).scalar_subquery()
    return sa.and_(*(sa.or_(contains(Meeting.title, t), contains(host_name, t)) for t in terms))


def search_meetings(viewer, *, words: str | None = None, unit: Unit | None = None,
                    category: str | None = None, start_day: date | None = None,
                    end_day: date | None = None):
    """A select of the meetings the viewer may see that match, newest first (page it)."""
    query = sa.select(Meeting).where(Meeting.visible_to(viewer), text_condition(words))
    if category:
        query = query.where(Meeting.category == category)
    if unit is not None:
        query = query.where(Meeting.involving([unit.id]))
    if start_day or end_day:
        start, end = local_day_bounds(start_day or date(1900, 1, 1), end_day or date(9999, 1, 1))
        query = query.where(Meeting.id.in_(sa.select(Occurrence.meeting_id).where(
            Occurrence.start_at >= start, Occurrence.start_at < end)))
    return query.order_by(Meeting.start_at.desc(), Meeting.id.desc())


# the meeting's columns a calendar chip shows (find_occurrences(brief=True))
BRIEF_COLUMNS = (Meeting.id, Meeting.title, Meeting.mode, Meeting.status, Meeting.host_unit_id)


def find_occurrences(viewer, start: datetime, end: datetime, unit=None, room=None, rooms=None,
                     words: str | None = None, after: tuple[datetime, int] | None = None,
                     limit: int | None = None, with_agenda: bool = False,
                     brief: bool = False) -> list[Occurrence]:
    """Sittings overlapping [start, end) of meetings hosted by or involving `unit` (or using
    `room`, or any of `rooms`), limited to the units the viewer may see; all of them for an
    admin. `words` narrows them to the meetings the text search finds (see queries.py). In
    (start, id) order: `after` continues a page that ended at that sitting.

    Each sitting comes with its meeting, host unit, participants and rooms, read in one
    statement per kind whatever the number of sittings (calendars and lists show them all);
    `with_agenda` reads their agenda items too (the printed work schedule lists them);
    `brief` reads only what a calendar's chips show (the meeting's title, mode and status, and
    its rooms): no host, no participants, none of the long texts."""
    if rooms is not None and not rooms:
        return []
    custom_plans()  # a week holds a handful of sittings, a year's search thousands
    if brief:
        meeting = contains_eager(Occurrence.meeting).options(
            load_only(*BRIEF_COLUMNS), selectinload(Meeting.rooms))
    else:
        meeting = contains_eager(Occurrence.meeting).options(
            joinedload(Meeting.host_unit), selectinload(Meeting.participants),
            selectinload(Meeting.rooms))
    query = (sa.select(Occurrence).join(Meeting, Occurrence.meeting_id == Meeting.id)
             .where(Occurrence.overlapping(start, end)).options(meeting)
             .order_by(Occurrence.start_at, Occurrence.id))
    if with_agenda:
        query = query.options(contains_eager(Occurrence.meeting).selectinload(Meeting.agenda_items))
    if words:
        query = query.where(text_condition(words))
    if unit is not None:
        require("view", unit, user=viewer)
        query = query.where(Meeting.involving([unit.id]))
    for one in ([room] if room is not None else list(rooms or ())):
        require("view", one.unit, user=viewer)
    if room is not None or rooms:
        ids = [room.id] if room is not None else [r.id for r in rooms]
        query = query.where(Meeting.id.in_(sa.select(meeting_room.c.meeting_id)
                                           .where(meeting_room.c.room_id.in_(ids))))
    if unit is None and room is None and rooms is None:
        require("view", user=viewer)
        query = query.where(Meeting.visible_to(viewer))
    if after is not None:
        after_start, after_id = after
        query = query.where(sa.or_(Occurrence.start_at > after_start,
                                   sa.and_(Occurrence.start_at == after_start,
                                           Occurrence.id > after_id)))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def rooms_busy(room_ids, start: datetime, end: datetime) -> dict[int, tuple]:
    """room id -> (title, start, end) of a live sitting holding it within [start, end)."""
    if not room_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reservation.resource_id, Meeting.title, Occurrence.start_at, Occurrence.end_at)
        .join(Occurrence, Reservation.occurrence_id == Occurrence.id)
        .join(Meeting, Occurrence.meeting_id == Meeting.id)
        .where(Reservation.resource_kind == "room", Reservation.active.is_(True),
               Reservation.resource_id.in_(room_ids), Reservation.starts_at < end,
               Reservation.ends_at > start)
        .order_by(Occurrence.start_at))
    busy: dict[int, tuple] = {}
    for room_id, title, sitting_start, sitting_end in rows:
        busy.setdefault(room_id, (title, sitting_start, sitting_end))
    return busy


def _pending_approvals_query(user):
    """Bookings waiting for this user's decision: pending meetings in a room that requires
    approval and belongs to a unit the user manages (None: the user approves nothing)."""
    if reach(user, "manage") is None:
        return None
    rooms = (sa.select(Room.id).join(Unit, Room.unit_id == Unit.id)
             .where(Room.requires_approval, Unit.in_reach(user, "manage")))  # its partial index
    return sa.select(Meeting).where(
        Meeting.status == "pending",
        Meeting.id.in_(sa.select(meeting_room.c.meeting_id).where(meeting_room.c.room_id.in_(rooms))))


def pending_approvals(user, offset: int = 0, limit: int | None = None) -> list[Meeting]:
    query = _pending_approvals_query(user)
    if query is None:
        return []
    return list(db.session.scalars(
        query.order_by(Meeting.start_at, Meeting.id)
        .options(joinedload(Meeting.host_unit), selectinload(Meeting.participants),
                 selectinload(Meeting.rooms), selectinload(Meeting.occurrences))
        .offset(offset).limit(limit)))


def pending_approval_count_query(user):
    """How many bookings wait for the user, as a SELECT of one count (the menu reads it with
    its other counts), or None: the user approves nothing."""
    query = _pending_approvals_query(user)
    if query is None:
        return None
    return sa.select(sa.func.count()).select_from(query.with_only_columns(Meeting.id).subquery())
