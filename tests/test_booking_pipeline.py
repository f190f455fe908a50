"""The booking path's pure steps, without an app or a database: planning (the request, and for
a change the meeting as it stands, become the sittings and reservations to write) and checking
(every rule at once, all problems together)."""
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

from scheduler.meetings import checking, planning
from scheduler.meetings.planning import MeetingState, Need, SittingState

UTC = timezone.utc
LEAD = timedelta(minutes=30)
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 2 March 2026, 07:00 in Hà Nội
TODAY = date(2026, 3, 2)


def at(day: int, hour: int = 2) -> datetime:
    """day of March 2026, hour in UTC (02:00 UTC is 09:00 in Hà Nội)."""
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def unit(uid, code=None, name=None):
    return SimpleNamespace(id=uid, code=code or f"{uid:05d}", name=name or f"Đơn vị {uid}")


def room(rid, **rules):
    fields = dict(id=rid, name=f"Hội trường {rid}", requires_approval=False, open_from=None,
                  open_until=None, max_duration_minutes=None, max_advance_days=None)
    return SimpleNamespace(**{**fields, **rules})


HOST, WARD = unit(1), unit(2)


def request(instances, rooms=(), mode="in_person", participants=(), rrule=None, skip_dates=(),
            on_conflict="fail", host=HOST):
    return SimpleNamespace(
        host_unit=host, participants=list(participants), rooms=list(rooms), mode=mode,
        instances=list(instances), rrule=rrule, skip_dates=set(skip_dates),
        on_conflict=on_conflict, start=instances[0][0], end=instances[0][1])


def hour_from(start):
    return (start, start + timedelta(hours=1))


# --- plan: a new booking ----------------------------------------------------------------

def test_a_booking_plans_one_sitting_and_its_reservations():
    plan = planning.plan_booking(request([hour_from(at(5))], rooms=[room(7), room(3)],
                                         mode="online", participants=[WARD]),
                                 vc={1: 11, 2: 12}, lead=LEAD, now=NOW)
    assert [(s.start, s.status) for s in plan.sittings] == [(at(5), "scheduled")]
    assert plan.needs == [
        Need("room", 7, at(5), at(5, 3), 0), Need("room", 3, at(5), at(5, 3), 0),
        Need("endpoint", 11, at(5) - LEAD, at(5, 3), 0),
        Need("endpoint", 12, at(5) - LEAD, at(5, 3), 0)]


def test_a_room_needing_approval_makes_the_booking_wait():
    plan = planning.plan_booking(request([hour_from(at(5))], rooms=[room(3, requires_approval=True)]),
                                 vc={}, lead=LEAD, now=NOW)
    assert plan.status == plan.meeting_status == "pending"


def test_a_booking_already_over_is_recorded_as_held_in_its_mode():
    plan = planning.plan_booking(request([hour_from(at(1))], mode="hybrid"), vc={1: 11},
                                 lead=LEAD, now=NOW)
    assert [(s.status, s.held_mode) for s in plan.sittings] == [("held", "hybrid")]
    assert plan.meeting_status == "held"


def test_skipped_dates_of_a_series_become_exdates_and_keep_their_index():
    instances = [hour_from(at(day)) for day in (3, 10, 17)]
    plan = planning.plan_booking(request(instances, rooms=[room(3)], rrule="FREQ=WEEKLY;COUNT=3",
                                         skip_dates={date(2026, 3, 10)}),
                                 vc={}, lead=LEAD, now=NOW)
    assert [s.instance for s in plan.sittings] == [0, 2]
    assert plan.skipped == (at(10).isoformat(),)
    assert [n.instance for n in plan.needs] == [0, 2]


def test_a_hybrid_meeting_takes_only_the_endpoints_that_exist():
    endpoints, missing = planning.choose_endpoints(HOST, [WARD], "hybrid", {1: 11})
    assert (endpoints, missing) == ((11,), ())
    endpoints, missing = planning.choose_endpoints(HOST, [WARD], "online", {1: 11})
    assert (endpoints, missing) == ((), (WARD,))


def test_leaving_out_clashing_dates_adds_them_to_the_skipped_ones_in_order():
    instances = [hour_from(at(day)) for day in (3, 10, 17)]
    plan = planning.plan_booking(request(instances, rrule="FREQ=WEEKLY;COUNT=3", on_conflict="skip",
                                         skip_dates={date(2026, 3, 17)}),
                                 vc={}, lead=LEAD, now=NOW)
    left = planning.leave_out(plan, {0})
    assert [s.instance for s in left.sittings] == [1]
    assert left.skipped == (at(3).isoformat(), at(17).isoformat())


# --- check ------------------------------------------------------------------------------

def check(plan, rooms=(), found=(), holiday_reason=None, host=HOST):
    return checking.check(plan, list(rooms), host, holiday_reason, TODAY, list(found))


def test_every_problem_is_reported_together():
    """Units without video conference, a room closed at that hour and a public holiday: all
    three at once, not the first one only."""
    closed = room(3, open_from=time(13, 0))
    holiday = datetime(2026, 4, 30, 2, tzinfo=UTC)  # Ngày Giải phóng miền Nam
    plan = planning.plan_booking(request([hour_from(holiday)], rooms=[closed], mode="online",
                                         participants=[WARD]), vc={1: 11}, lead=LEAD, now=NOW)
    problems = check(plan, rooms=[closed])
    assert [p.field for p in problems] == ["participants", "rooms", "start"]
    assert problems[0].units_without_vc == (WARD.code,)
    errors = checking.field_errors(problems)
    assert "Phòng Hội trường 3 chỉ mở cửa từ 13:00" in errors["rooms"]
    assert "ngày nghỉ lễ" in errors["start"]


def test_a_reason_opens_a_room_on_a_holiday():
    holiday = datetime(2026, 4, 30, 2, tzinfo=UTC)
    plan = planning.plan_booking(request([hour_from(holiday)], rooms=[room(3)]), vc={},
                                 lead=LEAD, now=NOW)
    assert check(plan, rooms=[room(3)], holiday_reason="Trực lễ") == []


def test_the_host_alone_without_video_conference_is_the_host_field():
    plan = planning.plan_booking(request([hour_from(at(5))], mode="online"), vc={}, lead=LEAD,
                                 now=NOW)
    [problem] = check(plan)
    assert problem.field == "host_unit" and problem.units_without_vc == ()


def test_a_room_rule_broken_by_several_sittings_is_said_once():
    rooms = [room(3, max_duration_minutes=30)]
    instances = [hour_from(at(day)) for day in (3, 10)]
    plan = planning.plan_booking(request(instances, rooms=rooms, rrule="FREQ=WEEKLY;COUNT=2"),
                                 vc={}, lead=LEAD, now=NOW)
    assert checking.field_errors(check(plan, rooms=rooms)) == {
        "rooms": "Phòng Hội trường 3 chỉ cho đặt tối đa 30 phút mỗi lần."}


def test_nothing_left_after_skipping_every_date():
    plan = planning.plan_booking(request([hour_from(at(3))], rrule="FREQ=WEEKLY;COUNT=1",
                                         skip_dates={date(2026, 3, 3)}),
                                 vc={}, lead=LEAD, now=NOW)
    assert [p.field for p in check(plan)] == ["skip_dates"]


def test_a_clash_is_a_problem_unless_the_series_skips_clashing_dates():
    instances = [hour_from(at(day)) for day in (3, 10)]
    found = [{"instance": 1, "title": "Họp khác"}]
    failing = planning.plan_booking(request(instances, rrule="FREQ=WEEKLY;COUNT=2"), vc={},
                                    lead=LEAD, now=NOW)
    [problem] = check(failing, found=found)
    assert problem.field is None and problem.clashes == tuple(found)
    skipping = planning.plan_booking(request(instances, rrule="FREQ=WEEKLY;COUNT=2",
                                             on_conflict="skip"), vc={}, lead=LEAD, now=NOW)
    assert check(skipping, found=found) == []
    # every date clashing: nothing would be left to book
    every = [{"instance": 0}, {"instance": 1}]
    assert len(check(skipping, found=every)) == 1


# --- plan: a change of an existing meeting ----------------------------------------------

def state_of(sittings, rrule=None, status="scheduled", rooms=(), gated=(), mode="in_person",
             exdates=()):
    first = sittings[0]
    return MeetingState(
        id=9, status=status, start=first.start, end=first.end, rrule=rrule, mode=mode,
        host_unit_id=HOST.id, room_ids=frozenset(rooms), gated_room_ids=frozenset(gated),
        participant_ids=frozenset(), exdates=tuple(exdates), sittings=tuple(sittings))


def sitting_state(start, status="scheduled", held_mode=None):
    return SittingState(start, start + timedelta(hours=1), start, status, held_mode)


def change(state, values, moves, approver=True, vc=None):
    return planning.plan_change(state, values, vc or {}, LEAD, NOW, moves, approver)


def test_a_new_place_reserves_the_same_sitting_again():
    state = state_of([sitting_state(at(5))], rooms={3})
    values = request([hour_from(at(5))], rooms=[room(4)])
    assert planning.what_changes(state, values) == (False, True)
    made = change(state, values, moves=False)
    assert made.replaced == (0,) and not made.moves
    assert [(s.start, s.status) for s in made.plan.sittings] == [(at(5), "scheduled")]
    assert [n.resource_id for n in made.plan.needs] == [4]


def test_a_running_series_moved_keeps_the_sittings_already_held():
    rule = "FREQ=WEEKLY;COUNT=3"
    held, coming = sitting_state(at(1, 2), "held", "in_person"), sitting_state(at(8, 2))
    last = sitting_state(at(15, 2))
    state = state_of([held, coming, last], rrule=rule, exdates=[at(15, 2).isoformat()])
    # the series moves one hour later
    values = request([hour_from(at(day, 3)) for day in (1, 8, 15)], rrule=rule)
    assert planning.what_changes(state, values) == (True, False)
    made = change(state, values, moves=True)
    assert made.replaced == (1, 2)  # the held sitting stays
    assert [s.start for s in made.plan.sittings] == [at(8, 3)]  # 15 March stays skipped
    assert made.plan.skipped == (at(15, 3).isoformat(),)


def test_a_move_waits_for_approval_again_unless_an_approver_moves_it():
    gated = room(3, requires_approval=True)
    state = state_of([sitting_state(at(5))], rooms={3}, gated={3})
    values = request([hour_from(at(6))], rooms=[gated])
    assert change(state, values, moves=True, approver=False).plan.status == "pending"
    assert change(state, values, moves=True, approver=True).plan.status == "scheduled"
    # a room needing approval newly taken waits for it, whoever books it
    state = state_of([sitting_state(at(5))], rooms={4})
    assert change(state, values, moves=False, approver=True).plan.status == "pending"


def test_correcting_the_time_of_a_past_meeting_keeps_the_mode_it_was_held_in():
    state = state_of([sitting_state(at(1), "held", "online")], status="held", mode="hybrid")
    values = request([hour_from(at(1, 3))], mode="hybrid")
    [sitting] = change(state, values, moves=True, vc={1: 11}).plan.sittings
    assert (sitting.status, sitting.held_mode) == ("held", "online")


def test_a_change_leaving_no_sitting_is_refused_on_the_rule():
    rule = "FREQ=WEEKLY;COUNT=2"
    state = state_of([sitting_state(at(1)), sitting_state(at(8))], rrule=rule)
    values = request([hour_from(at(day)) for day in (1, 8)], rrule=rule,
                     skip_dates={date(2026, 3, 8)})
    made = change(state, values, moves=True)
    assert made.plan.sittings == ()
    assert checking.field_errors(check(made.plan)) == {
        "rrule": "Không còn buổi họp nào sắp tới theo lịch mới."}


# --- plan: one sitting moved or taken back -----------------------------------------------

def test_a_moved_sitting_of_a_series_keeps_its_original_start():
    rule = "FREQ=WEEKLY;COUNT=2"
    first, second = sitting_state(at(5)), sitting_state(at(12))
    state = state_of([first, second], rrule=rule, rooms={3})
    plan = planning.plan_move(state, second, at(13), at(13, 3), ((), ()), LEAD, NOW, True)
    [sitting] = plan.sittings
    assert (sitting.start, sitting.original_start, sitting.status) == (at(13), at(12), "scheduled")
    assert plan.needs == [Need("room", 3, at(13), at(13, 3), 0)]
    # a single meeting's sitting takes its new start as its own
    single = state_of([first], rooms={3})
    [sitting] = planning.plan_move(single, first, at(6), at(6, 3), ((), ()), LEAD, NOW,
                                   True).sittings
    assert sitting.original_start == at(6)


def test_a_sitting_moved_into_the_past_is_held_and_one_into_a_gated_room_waits():
    state = state_of([sitting_state(at(5))], rooms={3}, gated={3}, mode="online")
    moved = state.sittings[0]
    [past] = planning.plan_move(state, moved, at(1), at(1, 3), ((11,), ()), LEAD, NOW,
                                True).sittings
    assert (past.status, past.held_mode) == ("held", "online")
    [waiting] = planning.plan_move(state, moved, at(6), at(6, 3), ((11,), ()), LEAD, NOW,
                                   False).sittings
    assert waiting.status == "pending"


def test_a_date_taken_back_has_the_meeting_length_and_waits_with_the_meeting():
    rule = "FREQ=WEEKLY;COUNT=2"
    state = state_of([sitting_state(at(5))], rrule=rule, status="pending",
                     exdates=[at(12).isoformat()])
    plan = planning.plan_restore(state, at(12), ((), ()), LEAD, NOW, True)
    [sitting] = plan.sittings
    assert (sitting.start, sitting.end, sitting.status) == (at(12), at(12, 3), "pending")


# --- plan: cancelling and deciding -------------------------------------------------------

def test_cancelling_stops_the_coming_sittings_and_withdrawing_the_held_ones_too():
    state = state_of([sitting_state(at(1), "held", "in_person"), sitting_state(at(8)),
                      sitting_state(at(15), "cancelled")], rrule="FREQ=WEEKLY;COUNT=3")
    assert planning.sittings_to_stop(state, withdrawn=False) == (1,)
    assert planning.sittings_to_stop(state, withdrawn=True) == (0, 1)


def test_a_decision_settles_the_waiting_sittings_and_the_meeting_follows_them():
    state = state_of([sitting_state(at(5), "scheduled"), sitting_state(at(12), "pending")],
                     rrule="FREQ=WEEKLY;COUNT=2", status="pending")
    assert planning.sittings_waiting(state) == (1,)
    assert planning.meeting_status(["scheduled", "pending"]) == "pending"
    assert planning.meeting_status(["held", "scheduled", "cancelled"]) == "scheduled"
    assert planning.meeting_status(["held", "cancelled"]) == "held"
    assert planning.meeting_status(["cancelled"]) == planning.meeting_status([]) == "cancelled"
