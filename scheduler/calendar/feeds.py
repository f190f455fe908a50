"""Subscribable calendar feeds of a unit, a room, or a user ("my calendar" = the user's unit),
reached through secret, revocable tokens.

A calendar program polls a feed every hour or so; `feed_state` answers "has anything changed"
with one aggregate query, so an unchanged feed costs a 304 and no iCalendar building.
"""
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from flask_babel import gettext as _

from ..audit.services import record
from ..auth.models import User
from ..core.access import require
from ..core.db_setup import custom_plans
from ..core.errors import Forbidden, NotFound, ValidationError
from ..core.i18n import stored_text
from ..core.settings import settings
from ..core.timeutil import LOCAL_TZ, local_midnight_utc
from ..extensions import db
from ..meetings.models import (ONLINE_MODES, Meeting, Occurrence, meeting_participant,
                               meeting_room)
from ..paperless.models import AgendaItem
from ..rooms.models import Room
from ..units.models import Unit
from . import ical

FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 366
FEED_KINDS = {"unit": Unit, "room": Room, "user": User}


def links() -> ical.Links:
    given = settings()
    return ical.Links(base_url=given.base_url, sender=given.mail_sender)


def window(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of a feed: local midnight 90 days back to a year ahead. It moves once a
    day, so a feed polled twice on the same day sees the same window."""
    today = now.astimezone(LOCAL_TZ).date()
    start = local_midnight_utc(today - timedelta(days=FEED_DAYS_BACK))
    return start, local_midnight_utc(today + timedelta(days=FEED_DAYS_AHEAD))


def hash_token(token: str) -> str:
    """What the database keeps of a feed token: its SHA-256, so that a copy of the database
    (a backup, a report export) opens no calendar. The token is shown once, when made."""
    return hashlib.sha256(token.encode()).hexdigest()


def owner_by_token(kind: str, token: str):
    """The unit, room or user a feed token belongs to; NotFound for unknown or revoked ones
    and for users who can no longer sign in."""
    model = FEED_KINDS.get(kind)
    if model is None or not token or len(token) > 64:
        raise NotFound(_("Không tìm thấy lịch."))
    owner = db.session.scalar(sa.select(model).where(model.feed_token == hash_token(token)))
    if owner is None or (kind == "user" and not owner.active):
        raise NotFound(_("Không tìm thấy lịch."))
    return owner


def _meeting_condition(kind: str, owner):
    if kind == "room":
        return Meeting.id.in_(sa.select(meeting_room.c.meeting_id)
                              .where(meeting_room.c.room_id == owner.id))
    return Meeting.involving([owner.unit_id if kind == "user" else owner.id])


def _in_window(start: datetime, end: datetime):
    """SQL condition: the meeting has a sitting in [start, end). A correlated EXISTS, probed
    through occurrence's (meeting_id, …) index for each meeting of the owner: as an IN list
    of the window's sittings SQLite read all of them (300,000 at a million meetings: 0.4-0.6 s
    against 15-25 ms, for each of the feed's five statements); PostgreSQL plans both alike."""
    return sa.exists().where(Occurrence.meeting_id == Meeting.id, Occurrence.overlapping(start, end))


def feed_name(kind: str, owner) -> str:
    if kind == "room":
        return _("Lịch phòng %(room)s – %(unit)s", room=owner.name, unit=owner.unit.name)
    if kind == "user":
        return _("Lịch của tôi – %(unit)s", unit=owner.unit.name)
    return _("Lịch họp – %(unit)s", unit=owner.name)


def _aware(value) -> datetime:
    if value.tzinfo is None:  # SQLite's max() bypasses the column type
        value = datetime.fromisoformat(str(value)).replace(tzinfo=ical.UTC)
    return value


def feed_state(kind: str, owner, now: datetime) -> tuple[str, datetime]:
    """(ETag, Last-Modified) of a feed from a cheap version read: how many meetings the owner
    has and the latest change of any of them (booking, change, approval, cancellation or move
    of a sitting all change the meeting row), read from the indexes alone — not from the
    window's sittings, so a 304 costs the same at a million meetings. The window start and
    the feed's name are part of the tag too."""
    start, _end = window(now)
    row = db.session.execute(
        sa.select(sa.func.count(Meeting.id), sa.func.max(Meeting.updated_at),
                  sa.func.sum(Meeting.sequence))
        .where(_meeting_condition(kind, owner))).one()
    # the feed also shows units' and rooms' names and contacts: a change to any of them (rare)
    # makes every feed new
    directory = db.session.execute(sa.select(
        sa.select(sa.func.max(Unit.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Room.updated_at)).scalar_subquery())).one()
    changes = [_aware(value) for value in (row[1], *directory) if value is not None]
    # content also changes when the window moves at local midnight
    last_modified = max([start, *changes, local_midnight_utc(now.astimezone(LOCAL_TZ).date())])
    fingerprint = repr((kind, owner.id, feed_name(kind, owner), start.isoformat(),
                        tuple(str(v) for v in row), tuple(str(v) for v in directory)))
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32], last_modified.replace(microsecond=0)


# -- what a feed reads ---------------------------------------------------------------------------
# A feed is read with four Core queries into these plain records rather than as ORM objects:
# loading a unit's year of meetings with their collections through the ORM cost more than
# writing the whole calendar (see benchmarks/feed.py). They carry the attributes ical.py reads.
@dataclass(slots=True)
class FeedUnit:
    name: str
    email: str | None
    tech_name: str | None = None
    tech_email: str | None = None


@dataclass(slots=True)
class FeedRoom:
    name: str
    unit: FeedUnit | None


@dataclass(slots=True)
class FeedOccurrence:
    start_at: datetime
    end_at: datetime
    original_start: datetime
    status: str


@dataclass(slots=True)
class FeedAgendaItem:
    position: int
    title: str
    presenter: str
    minutes: int | None


@dataclass(slots=True)
class FeedMeeting:
    id: int
    uid: str
    title: str
    category: str
    mode: str
    status: str
    chair: str
    agenda: str
    rrule: str | None
    join_url: str | None
    sequence: int
    start_at: datetime
    end_at: datetime
    created_at: datetime | None
    updated_at: datetime | None
    host_unit: FeedUnit
    participants: list = field(default_factory=list)
    rooms: list = field(default_factory=list)
    occurrences: list = field(default_factory=list)
    agenda_items: list = field(default_factory=list)  # FeedAgendaItem, in agenda order

    @property
    def is_online(self) -> bool:
        return self.mode in ONLINE_MODES

    location = Meeting.location  # the same words as a meeting's, from the same rooms and mode


_MEETING_COLUMNS = (Meeting.id, Meeting.uid, Meeting.title, Meeting.category, Meeting.mode,
                    Meeting.status, Meeting.chair, Meeting.agenda, Meeting.rrule,
                    Meeting.join_url, Meeting.sequence, Meeting.start_at, Meeting.end_at,
                    Meeting.created_at, Meeting.updated_at)


def feed_meetings(kind: str, owner, now: datetime) -> list[FeedMeeting]:
    """The feed's meetings in start order, each with its occurrences, participants and rooms
    (in the order the ORM relationships give them)."""
    custom_plans()
    start, end = window(now)
    condition = sa.and_(_meeting_condition(kind, owner), _in_window(start, end))
    ids = sa.select(Meeting.id).where(condition)
    host, room_unit = aliased(Unit), aliased(Unit)
    meeting_rows = (sa.select(*_MEETING_COLUMNS, host.name, host.email)
                    .join(host, host.id == Meeting.host_unit_id)
                    .where(condition).order_by(Meeting.start_at, Meeting.id))
    occurrence_rows = (sa.select(Occurrence.meeting_id, Occurrence.start_at, Occurrence.end_at,
                                 Occurrence.original_start, Occurrence.status)
                       .where(Occurrence.meeting_id.in_(ids))
                       .order_by(Occurrence.start_at, Occurrence.id))
    participant_rows = (sa.select(meeting_participant.c.meeting_id, Unit.name, Unit.email,
                                  Unit.tech_name, Unit.tech_email)
                        .join(Unit, Unit.id == meeting_participant.c.unit_id)
                        .where(meeting_participant.c.meeting_id.in_(ids))
                        .order_by(Unit.code, Unit.id))
    room_rows = (sa.select(meeting_room.c.meeting_id, Room.name, room_unit.name, room_unit.email)
                 .join(Room, Room.id == meeting_room.c.room_id)
                 .outerjoin(room_unit, room_unit.id == Room.unit_id)
                 .where(meeting_room.c.meeting_id.in_(ids)).order_by(Room.id))
    agenda_rows = (sa.select(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.title,
                             AgendaItem.presenter, AgendaItem.minutes)
                   .where(AgendaItem.meeting_id.in_(ids))
                   .order_by(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.id))
    # Core rows, each result fetched at once (iterated, psycopg fetches them one by one)
    conn = db.session.connection()
    units: dict[tuple, FeedUnit] = {}

    def unit(*contacts) -> FeedUnit:  # one record per unit, however many meetings it is in
        found = units.get(contacts)
        if found is None:
            found = units[contacts] = FeedUnit(*contacts)
        return found

    meetings = {}
    for *values, host_name, host_email in conn.execute(meeting_rows).all():
        meetings[values[0]] = FeedMeeting(*values, host_unit=unit(host_name, host_email))
    for meeting_id, *values in conn.execute(occurrence_rows).all():
        meetings[meeting_id].occurrences.append(FeedOccurrence(*values))
    for meeting_id, *contacts in conn.execute(participant_rows).all():
        meetings[meeting_id].participants.append(unit(*contacts))
    for meeting_id, name, unit_name, unit_email in conn.execute(room_rows).all():
        place_unit = unit(unit_name, unit_email) if unit_name is not None else None
        meetings[meeting_id].rooms.append(FeedRoom(name, place_unit))
    for meeting_id, *values in conn.execute(agenda_rows).all():
        meetings[meeting_id].agenda_items.append(FeedAgendaItem(*values))
    return list(meetings.values())


def feed_bytes(kind: str, owner, now: datetime) -> bytes:
    return ical.feed(feed_meetings(kind, owner, now), links(), feed_name(kind, owner))


# -- tokens ------------------------------------------------------------------------------------
def _unit_of(kind: str, owner) -> Unit:
    return owner if kind == "unit" else owner.unit


def may_manage_token(actor, kind: str, owner) -> bool:
    """Who may regenerate or revoke: the unit's administrators (manage over the unit); for a
    personal feed also the user themselves."""
    if kind == "user" and actor.id == owner.id:
        return True
    return _unit_of(kind, owner).can_manage(actor)


def may_enable_token(actor, kind: str, owner) -> bool:
    """Staff may switch on their unit's feed when it has none yet: subscribing is part of
    their job, while cutting off existing subscribers is the administrators' call."""
    if may_manage_token(actor, kind, owner):
        return True
    return kind == "unit" and owner.feed_token is None and owner.can_book(actor)


def change_feed_token(actor, kind: str, owner, action: str) -> str | None:
    """Regenerate (a new secret; old links stop working) or revoke a feed token. Audited,
    without the secret itself. Returns the new token: the only time it can be shown."""
    if action not in ("regenerate", "revoke"):
        raise ValidationError(_("Thao tác không hợp lệ."))
    permitted = (may_enable_token if action == "regenerate" else may_manage_token)(actor, kind, owner)
    if not permitted:
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))
    had_token = owner.feed_token is not None
    token = secrets.token_urlsafe(32) if action == "regenerate" else None
    owner.feed_token = hash_token(token) if token else None
    unit = _unit_of(kind, owner)
    if action == "regenerate":
        summary = (stored_text("Tạo lại liên kết lịch") if had_token else stored_text("Bật liên kết lịch"))
    else:
        summary = stored_text("Thu hồi liên kết lịch")
    label = getattr(owner, "name", None) or getattr(owner, "username", "")
    record(actor, f"feed_token.{action}", kind, owner.id, unit=unit,
           summary=f"{summary}: {label}", changes={"had_token": had_token})
    db.session.flush()
    return token


def feed_urls(kind: str, token: str | None) -> dict | None:
    if not token:
        return None
    base = settings().base_url.rstrip("/")
    https = f"{base}/calendar/{kind}/{token}.ics"
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[-1]}


def subscription_targets(actor, unit: Unit, fresh: tuple[str, int, str] | None = None) -> list[dict]:
    """The feeds shown on the subscriptions page for `unit`: the user's own calendar (for their
    own unit), the unit's, and its rooms'. Only the database's hash of a token is known, so a
    link shows only right after it was made: `fresh` = (kind, owner id, token)."""
    require("view", unit, user=actor)
    targets = []
    if unit.id == actor.unit_id:
        targets.append({"kind": "user", "owner": actor})
    targets.append({"kind": "unit", "owner": unit})
    rooms = db.session.scalars(sa.select(Room).where(Room.unit_id == unit.id, Room.active)
                               .order_by(Room.name))
    targets += [{"kind": "room", "owner": room} for room in rooms]
    for target in targets:
        kind, owner = target["kind"], target["owner"]
        token = fresh[2] if fresh and fresh[:2] == (kind, owner.id) else None
        target.update(name=feed_name(kind, owner), urls=feed_urls(kind, token),
                      enabled=owner.feed_token is not None,
                      can_manage=may_manage_token(actor, kind, owner),
                      can_enable=may_enable_token(actor, kind, owner))
    return targets
