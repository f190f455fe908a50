"""Planning a booking: the request (and, for a change, the meeting as it stands, read
beforehand) becomes the intended sittings and the reservations they take, as plain data.

The first of the booking path's three steps (plan -> check -> apply, see services.py). Nothing
here reads or writes the database, asks for the time or reads the configuration: what a plan
depends on (the units' video-conference endpoints, the connection test's lead time, now) is
passed in, so that every decision about what a booking takes is testable on its own.
"""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .series import local_day

ONLINE_MODES = ("online", "hybrid")
LIVE = ("pending", "scheduled")


@dataclass(frozen=True)
class Need:
    """One resource wanted by one instance of a booking: a reservation to be made, as plain
    values (they survive a rolled-back savepoint)."""
    kind: str
    resource_id: int
    starts_at: datetime
    ends_at: datetime
    instance: int  # index into the booking's instances


@dataclass(frozen=True)
class Sitting:
    """One sitting to be written; `instance` is its index in the plan's `instances`."""
    start: datetime
    end: datetime
    original_start: datetime
    status: str
    held_mode: str | None = None
    instance: int = 0


@dataclass(frozen=True)
class Plan:
    """What a booking (or a change of one) will write."""
    instances: tuple  # (start, end) of every instance the sittings and needs refer to
    sittings: tuple[Sitting, ...]
    skipped: tuple[str, ...]  # the series' EXDATEs (ISO text)
    room_ids: tuple[int, ...]
    endpoint_ids: tuple[int, ...]
    online: bool
    lead: timedelta  # endpoints are held this long before a sitting, for the connection test
    status: str  # of the sittings still to come
    without_vc: tuple = ()  # units that cannot join online: the booking is refused for them
    skips_clashes: bool = False  # a series booked "skip the clashing dates"
    change: bool = False  # a change of an existing meeting (not a new booking)

    @property
    def needs(self) -> list[Need]:
        """The reservations the sittings take: the rooms for the sitting's time, the endpoints
        from `lead` before it. Sorted alike, so that two bookings lock rows in one order."""
        needs = []
        for sitting in self.sittings:
            needs += [Need("room", rid, sitting.start, sitting.end, sitting.instance)
                      for rid in self.room_ids]
            if self.online:
                needs += [Need("endpoint", eid, sitting.start - self.lead, sitting.end,
                               sitting.instance) for eid in sorted(set(self.endpoint_ids))]
        return needs

    @property
    def meeting_status(self) -> str:
        """A booking made only of sittings already over is recorded as held."""
        if self.sittings and all(s.status == "held" for s in self.sittings):
            return "held"
        return self.status


@dataclass(frozen=True)
class SittingState:
    start: datetime
    end: datetime
    original_start: datetime
    status: str
    held_mode: str | None = None


@dataclass(frozen=True)
class MeetingState:
    """The parts of an existing meeting a change is planned from, read inside its lock."""
    id: int
    status: str
    start: datetime
    end: datetime
    rrule: str | None
    mode: str
    host_unit_id: int
    room_ids: frozenset
    gated_room_ids: frozenset  # its rooms that need approval
    participant_ids: frozenset
    exdates: tuple[str, ...]
    sittings: tuple[SittingState, ...]  # in the order of meeting.occurrences


@dataclass(frozen=True)
class Change:
    """A change of a meeting's time or place: the new plan, and which of its present sittings
    (positions in MeetingState.sittings) give way to it."""
    plan: Plan
    moves: bool  # time changed: the coming sittings are replaced by the plan's
    replaced: tuple[int, ...]  # sittings removed (moves) or re-reserved in place


def is_online(mode: str) -> bool:
    return mode in ONLINE_MODES


def choose_endpoints(host_unit, participants, mode: str, vc: dict[int, int]):
    """(the endpoints an online or hybrid meeting takes, the units refused for lack of video
    conference). `vc` maps unit id -> its endpoint, for units that can join. In a hybrid
    meeting a unit without one attends in person at the host's room, as long as the host can
    connect at all."""
    if not is_online(mode):
        return (), ()
    units = [host_unit, *participants]
    if mode == "hybrid" and host_unit.id in vc:
        return tuple(vc[u.id] for u in units if u.id in vc), ()
    missing = tuple(u for u in units if u.id not in vc)
    if missing:
        return (), missing
    return tuple(vc[u.id] for u in units), ()


def new_sitting(start, end, original, status: str, mode: str, now: datetime,
                instance: int = 0) -> Sitting:
    """A sitting; one that has already ended is recorded as held in the booked mode."""
    if end <= now:
        return Sitting(start, end, original, "held", mode, instance)
    return Sitting(start, end, original, status, None, instance)


def plan_booking(values, vc: dict[int, int], lead: timedelta, now: datetime) -> Plan:
    """A new booking: every instance of the request except the dates the booker left out (a
    series' skip_dates, which become EXDATEs). Rooms needing approval make it wait for it."""
    endpoints, without_vc = choose_endpoints(values.host_unit, values.participants, values.mode,
                                             vc)
    status = "pending" if any(room.requires_approval for room in values.rooms) else "scheduled"
    left_out = [i for i, (start, _end) in enumerate(values.instances)
                if values.rrule and local_day(start) in values.skip_dates]
    sittings = tuple(new_sitting(start, end, start, status, values.mode, now, index)
                     for index, (start, end) in enumerate(values.instances)
                     if index not in left_out)
    return Plan(instances=tuple(values.instances), sittings=sittings,
                skipped=tuple(values.instances[i][0].isoformat() for i in left_out),
                room_ids=tuple(room.id for room in values.rooms), endpoint_ids=endpoints,
                online=is_online(values.mode), lead=lead, status=status, without_vc=without_vc,
                skips_clashes=bool(values.rrule) and values.on_conflict == "skip")


def clashing_instances(found: list[dict]) -> set[int]:
    return {item["instance"] for item in found}


def leave_out(plan: Plan, instances: set[int]) -> Plan:
    """The plan without the given instances, which become skipped dates."""
    skipped = {*plan.skipped, *(plan.instances[i][0].isoformat() for i in instances)}
    return replace(plan, sittings=tuple(s for s in plan.sittings if s.instance not in instances),
                   skipped=tuple(sorted(skipped, key=datetime.fromisoformat)))


def what_changes(state: MeetingState, values) -> tuple[bool, bool]:
    """(time changed, place changed): a change of either re-reserves. Place counts the rooms,
    the participants, the mode and the host."""
    timing = (values.start != state.start or values.end != state.end
              or values.rrule != state.rrule or bool(values.skip_dates))
    place = ({r.id for r in values.rooms} != state.room_ids
             or {u.id for u in values.participants} != state.participant_ids
             or values.mode != state.mode or values.host_unit.id != state.host_unit_id)
    return timing, place


def change_status(state: MeetingState, values, moves: bool, approver: bool) -> str:
    """The coming sittings' status after a change: they wait for approval when a room needing
    it is newly taken, or when they move and the one moving may not approve (an approval holds
    for the time it was given for), or when the meeting waits for it already."""
    newly_gated = {r.id for r in values.rooms if r.requires_approval} - state.gated_room_ids
    if newly_gated or (moves and not approver) or state.status == "pending":
        return "pending"
    return "scheduled"


def _is_past(state: MeetingState, sitting: SittingState, now: datetime) -> bool:
    """For a running series the sittings that have ended stay as they were held."""
    return bool(state.rrule) and sitting.end <= now


def _new_schedule(state: MeetingState, values, now: datetime):
    """(the new schedule's instances still to come, the series' skipped dates): sittings
    already held keep their date, and a series drops the dates skipped before and now."""
    taken = {s.original_start for s in state.sittings if _is_past(state, s, now)}
    skip = values.skip_dates | {local_day(datetime.fromisoformat(v)) for v in state.exdates}

    def skipped(start):
        return bool(values.rrule) and local_day(start) in skip

    wanted = tuple((s, e) for s, e in values.instances
                   if s not in taken and not (values.rrule and e <= now) and not skipped(s))
    return wanted, tuple(s.isoformat() for s, _e in values.instances
                         if skipped(s) and s not in taken)


def _recorded_mode(state: MeetingState, now: datetime) -> str | None:
    """The mode a past single meeting was recorded as held in: it stays when only its time
    is corrected."""
    recorded = [s.held_mode for s in state.sittings
                if not _is_past(state, s, now) and s.status == "held" and s.held_mode]
    return recorded[0] if recorded else None


def _moved_sittings(state: MeetingState, values, status: str, now: datetime):
    """The sittings of the new schedule, with the skipped dates."""
    wanted, skipped = _new_schedule(state, values, now)
    recorded = None if values.rrule else _recorded_mode(state, now)
    sittings = []
    for index, (start, end) in enumerate(wanted):
        sitting = new_sitting(start, end, start, status, values.mode, now, index)
        if sitting.status == "held" and recorded:
            sitting = replace(sitting, held_mode=recorded)
        sittings.append(sitting)
    return wanted, tuple(sittings), skipped


def _kept_sittings(state: MeetingState, status: str, now: datetime):
    """The coming sittings, at their own times, when only the place changes."""
    kept = {s.start: i for i, s in enumerate(state.sittings)
            if not _is_past(state, s, now) and s.status != "cancelled"}
    instances = tuple((state.sittings[i].start, state.sittings[i].end) for i in kept.values())
    sittings = tuple(replace(_as_sitting(state.sittings[i]), instance=index,
                             status=status if state.sittings[i].status in LIVE
                             else state.sittings[i].status)
                     for index, i in enumerate(kept.values()))
    return instances, sittings, tuple(kept.values())


def _as_sitting(state: SittingState) -> Sitting:
    return Sitting(state.start, state.end, state.original_start, state.status, state.held_mode)


def plan_change(state: MeetingState, values, vc: dict[int, int], lead: timedelta,
                now: datetime, moves: bool, approver: bool) -> Change:
    """A change of time or place: for a running series the sittings that have ended stay as
    they were held, and only the coming ones follow the new values (single changes to coming
    sittings give way to the new plan). `approver`: the one changing may approve every room
    that needs it."""
    endpoints, without_vc = choose_endpoints(values.host_unit, values.participants, values.mode,
                                             vc)
    status = change_status(state, values, moves, approver)
    if moves:
        instances, sittings, skipped = _moved_sittings(state, values, status, now)
        replaced = tuple(i for i, s in enumerate(state.sittings) if not _is_past(state, s, now))
    else:
        instances, sittings, replaced = _kept_sittings(state, status, now)
        skipped = state.exdates
    plan = Plan(instances=instances, sittings=sittings, skipped=tuple(skipped),
                room_ids=tuple(room.id for room in values.rooms), endpoint_ids=endpoints,
                online=is_online(values.mode), lead=lead, status=status, without_vc=without_vc,
                change=True)
    return Change(plan, moves, replaced)


def _one_sitting(state: MeetingState, sitting: Sitting, endpoints, lead: timedelta) -> Plan:
    endpoint_ids, without_vc = endpoints
    return Plan(instances=((sitting.start, sitting.end),), sittings=(sitting,),
                skipped=state.exdates, room_ids=tuple(sorted(state.room_ids)),
                endpoint_ids=tuple(endpoint_ids), online=is_online(state.mode), lead=lead,
                status=sitting.status, without_vc=tuple(without_vc), change=True)


def plan_move(state: MeetingState, moved: SittingState, start: datetime, end: datetime,
              endpoints, lead: timedelta, now: datetime, approver: bool) -> Plan:
    """One sitting moved; the others stay. A series' sitting keeps its original start (the
    RECURRENCE-ID calendars use to replace that one instance). A move into the past records
    the sitting as held; one in a room needing approval waits for it again, unless an approver
    moves it. `endpoints`: choose_endpoints' answer for the meeting."""
    original = moved.original_start if state.rrule else start
    if end <= now:
        sitting = Sitting(start, end, original, "held", state.mode)
    elif not approver:
        sitting = Sitting(start, end, original, "pending", moved.held_mode)
    else:
        sitting = Sitting(start, end, original, moved.status, moved.held_mode)
    return _one_sitting(state, sitting, endpoints, lead)


def plan_restore(state: MeetingState, original: datetime, endpoints, lead: timedelta,
                 now: datetime, approver: bool) -> Plan:
    """A date skipped at booking (an EXDATE) taken back, at the meeting's time of day and
    length; it waits for approval while the meeting does, or when the one taking it back may
    not approve."""
    status = "pending" if state.status == "pending" or not approver else "scheduled"
    end = original + (state.end - state.start)
    sitting = new_sitting(original, end, original, status, state.mode, now)
    return _one_sitting(state, sitting, endpoints, lead)


def meeting_status(statuses) -> str:
    """A meeting's status from its sittings': waiting while any sitting waits for approval,
    scheduled while any is to come, held once all that were not cancelled are held."""
    present = set(statuses)
    return next((s for s in ("pending", "scheduled", "held") if s in present), "cancelled")


def sittings_to_stop(state: MeetingState, withdrawn: bool) -> tuple[int, ...]:
    """Cancelling stops the sittings still to come; withdrawing a meeting recorded as held
    (it did not take place) stops the held ones too. Positions in state.sittings."""
    return tuple(i for i, s in enumerate(state.sittings)
                 if s.status in LIVE or (withdrawn and s.status == "held"))


def sittings_waiting(state: MeetingState) -> tuple[int, ...]:
    """The sittings an approval or a refusal decides: those waiting for it."""
    return tuple(i for i, s in enumerate(state.sittings) if s.status == "pending")
