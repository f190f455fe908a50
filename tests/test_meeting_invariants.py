"""Invariants after any sequence of changes. A Hypothesis state machine books single meetings
and series (past, running and coming ones), edits them, moves, cancels and restores sittings,
approves and declines bookings of a room that requires approval, cancels meetings (running
series included), corrects the mode a past sitting was held in (one the closing job has not
reached yet too), runs the closing job, and imports .ics files through the import page: all
through the services the pages and the API call, committing or rolling back as they do. After
every step `flask check`'s queries (meetings/integrity.py) find nothing, and the running counts
behind the reports equal a recount of the sittings.

Bounded for CI: a fixed number of examples and steps, derandomised, no example database, so
that every run on SQLite and on PostgreSQL plays the same sequences. Times are relative to
today (the services take the clock's `now`), on days no public holiday spoils."""
import io
from datetime import timedelta
from itertools import count

import sqlalchemy as sa
from flask import g
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from scheduler.core.errors import DomainError
from scheduler.core.timeutil import LOCAL_TZ, utcnow
from scheduler.extensions import db
from scheduler.jobs.tasks import close_meetings
from scheduler.meetings import integrity, services
from scheduler.meetings.models import Meeting, Occurrence
from scheduler.reports import tally
from scheduler.reports.models import OccurrenceTally
from tests.booking_helpers import at, request_for, weekly_start

# what the machine leaves as it found it: the tree, its users and rooms (fixtures)
KEPT_TABLES = {"unit", "user_account", "room", "endpoint", "api_token", "login_attempt",
               "login_throttle", "target", "target_category", "target_threshold",
               "unit_succession", "scheduler_lock", "job_run", "endpoint_check",
               "connection_fact_change"}

# past days (recorded as held), and coming ones; close hours, so that bookings collide
DAYS = st.sampled_from([-9, -2, 3, 4, 10])
HOURS = st.sampled_from([8, 9, 14])
MINUTES = st.sampled_from([60, 90])
# a weekly series starting in the past (wholly held), running (held and to come), or to come
SERIES_STARTS = st.sampled_from([-22, -8, 2])
MODES = st.sampled_from(["in_person", "online", "hybrid"])
# Phúc Xá and Trúc Bạch have endpoints, Hàng Bạc has none (an online meeting is refused)
PARTICIPANTS = st.sampled_from([[], ["00001"], ["00004", "00001"], ["00037"]])
ROOMS = st.sampled_from(["", "phuc_xa", "ba_dinh", "gated", "ba_dinh gated"])
PICK = st.integers(min_value=0, max_value=7)
REASONS = st.sampled_from([None, "Lãnh đạo bận đột xuất"])


def recount() -> dict:
    ids = db.session.scalars(sa.select(Meeting.id)).all()
    counts = tally.contributions(db.session.connection(), ids)
    return {key: tuple(vector) for key, vector in counts.items() if any(vector)}


def stored_tally() -> dict:
    rows = {(r.unit_id, r.half_month, r.category): tuple(getattr(r, c) for c in tally.COUNTS)
            for r in db.session.scalars(sa.select(OccurrenceTally))}
    return {key: counts for key, counts in rows.items() if any(counts)}


def ics_event(uid: str, start, minutes: int, *extra: str) -> str:
    def stamp(value):
        return value.astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M%S")

    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
                        f"DTSTART;TZID=Asia/Ho_Chi_Minh:{stamp(start)}",
                        f"DTEND;TZID=Asia/Ho_Chi_Minh:{stamp(start + timedelta(minutes=minutes))}",
                        "SUMMARY:Họp nhập từ lịch Outlook", *extra, "END:VEVENT"])


def test_no_sequence_of_changes_breaks_the_invariants(tree, rooms, client, auth, create_meeting):
    users = tree.users
    booker = {tree.ba_dinh.id: users.district_staff, tree.phuc_xa.id: users.ward_staff}
    room_ids = {name: room.id for name, room in rooms.items()}
    # the import page books for the signed-in user's unit: Phúc Xá
    assert auth.login("vp_phucxa").status_code == 302

    class Changes(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # the test's wipe runs once, not per example: clear what the last example booked
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in KEPT_TABLES:
                    db.session.execute(table.delete())
            db.session.commit()
            self.uids = count()

        # -- as a page or the API does it: commit, or roll back what the service refused
        @staticmethod
        def apply(change):
            try:
                result = change()
            except DomainError:
                db.session.rollback()
                return None
            db.session.commit()
            return result

        # the meeting or sitting a step changes: one of those it applies to, as they stand
        @staticmethod
        def meeting(pick: int, *conditions) -> Meeting | None:
            found = db.session.scalars(sa.select(Meeting).where(*conditions)
                                       .order_by(Meeting.id)).all()
            return found[pick % len(found)] if found else None

        @staticmethod
        def sitting(pick: int, *statuses: str, ended=False) -> Occurrence | None:
            query = sa.select(Occurrence).where(Occurrence.status.in_(statuses))
            if ended:
                query = query.where(Occurrence.end_at <= utcnow())
            found = db.session.scalars(query.order_by(Occurrence.id)).all()
            return found[pick % len(found)] if found else None

        def book(self, data: dict, user=None):
            user = user or booker[tree.ba_dinh.id]
            return self.apply(lambda: services.book_meeting(user, data))

        @staticmethod
        def request(host_is_ward: bool, start, minutes, rooms_named, mode, participants, **kw):
            host = tree.phuc_xa if host_is_ward else tree.ba_dinh
            named = ["phuc_xa"] if host_is_ward and rooms_named else rooms_named.split()
            return request_for(host, start, minutes, rooms=[room_ids[n] for n in named],
                               mode=mode, participants=participants, **kw)

        # -- booking
        @rule(ward=st.booleans(), day=DAYS, hour=HOURS, minutes=MINUTES,
              rooms_named=ROOMS, mode=MODES, participants=PARTICIPANTS)
        def book_single(self, ward, day, hour, minutes, rooms_named, mode, participants):
            data = self.request(ward, at(day, hour), minutes, rooms_named, mode, participants)
            self.book(data, booker[(tree.phuc_xa if ward else tree.ba_dinh).id])

        @rule(ward=st.booleans(), first=SERIES_STARTS, sittings=st.integers(2, 4),
              hour=HOURS, rooms_named=ROOMS, mode=MODES, participants=PARTICIPANTS,
              skip_second=st.booleans(), skip_conflicts=st.booleans())
        def book_series(self, ward, first, sittings, hour, rooms_named, mode, participants,
                        skip_second, skip_conflicts):
            start = weekly_start(first, sittings, hh=hour)
            extra = {"rrule": f"FREQ=WEEKLY;COUNT={sittings}"}
            if skip_second:
                extra["skip_dates"] = [(start + timedelta(days=7)).date().isoformat()]
            if skip_conflicts:
                extra["on_conflict"] = "skip"
            data = self.request(ward, start, 60, rooms_named, mode, participants, **extra)
            self.book(data, booker[(tree.phuc_xa if ward else tree.ba_dinh).id])

        # -- changing a booking
        @rule(pick=PICK, change=st.one_of(
            st.tuples(st.just("title")),
            st.tuples(st.just("time"), DAYS, HOURS, MINUTES),
            st.tuples(st.just("rooms"), ROOMS),
            st.tuples(st.just("mode"), MODES),
            st.tuples(st.just("participants"), PARTICIPANTS),
            st.tuples(st.just("sittings"), st.integers(1, 5))))
        def edit(self, pick, change):
            meeting = self.meeting(pick, Meeting.status != "cancelled")
            if meeting is None:
                return
            kind, *values = change
            if kind == "title":
                data = {"title": meeting.title + " (sửa)"}
            elif kind == "time":
                start = at(values[0], values[1])
                if meeting.rrule:  # the series' first sitting, on the same weekday at a new hour
                    start = meeting.start_at.astimezone(LOCAL_TZ).replace(hour=values[1])
                data = {"start": start.isoformat(),
                        "end": (start + timedelta(minutes=values[2])).isoformat()}
            elif kind == "rooms":
                named = values[0].split()
                if meeting.host_unit_id == tree.phuc_xa.id:
                    named = ["phuc_xa"] if named else []
                data = {"rooms": [room_ids[n] for n in named]}
            elif kind == "sittings":
                if not meeting.rrule:
                    return
                data = {"rrule": f"FREQ=WEEKLY;COUNT={values[0]}"}
            else:
                data = {kind: values[0]}
            self.apply(lambda: services.update_meeting(booker[meeting.host_unit_id], meeting, data))

        @rule(pick=PICK, day=DAYS, hour=HOURS, later=st.booleans())
        def move_sitting(self, pick, day, hour, later):
            sitting = self.sitting(pick, "pending", "scheduled")
            if sitting is None:
                return
            meeting = sitting.meeting
            # a few hours later the same day, or to another day and hour
            start = sitting.start_at + timedelta(hours=5) if later else at(day, hour)
            duration = sitting.end_at - sitting.start_at
            self.apply(lambda: services.move_occurrence(
                booker[meeting.host_unit_id], sitting, start.isoformat(),
                (start + duration).isoformat()))

        @rule(pick=PICK)
        def cancel_sitting(self, pick):
            sitting = self.sitting(pick, "pending", "scheduled")
            if sitting is not None:
                self.apply(lambda: services.cancel_occurrence(
                    booker[sitting.meeting.host_unit_id], sitting, "Trùng lịch công tác"))

        @rule(pick=PICK)
        def restore_skipped_date(self, pick):
            skipping = [m for m in db.session.scalars(sa.select(Meeting).where(
                Meeting.status != "cancelled").order_by(Meeting.id)) if m.exdates]
            if skipping:
                meeting = skipping[pick % len(skipping)]
                skipped = meeting.exdates[pick % len(meeting.exdates)]
                self.apply(lambda: services.restore_occurrence(booker[meeting.host_unit_id],
                                                               meeting, skipped))

        # -- approval of the room that requires it
        @rule(pick=PICK, approve=st.booleans(), by_city=st.booleans())
        def decide(self, pick, approve, by_city):
            meeting = self.meeting(pick, Meeting.status == "pending")
            if meeting is None:
                return
            approver = users.admin if by_city else users.district_admin
            if approve:
                self.apply(lambda: services.approve_meeting(approver, meeting))
            else:
                self.apply(lambda: services.decline_meeting(approver, meeting,
                                                            "Phòng đã có lịch khác"))

        # -- cancelling, withdrawing what was recorded as held
        @rule(pick=PICK, reason=REASONS)
        def cancel(self, pick, reason):
            meeting = self.meeting(pick, Meeting.status != "cancelled")
            if meeting is None:
                return
            self.apply(lambda: services.cancel_meeting(booker[meeting.host_unit_id], meeting,
                                                       reason))

        @rule(sittings=st.integers(2, 4), hour=HOURS, mode=MODES)
        def stop_a_running_series(self, sittings, hour, mode):
            start = weekly_start(-8, sittings, hh=hour)
            meeting = self.book(self.request(False, start, 60, "", mode, [],
                                             rrule=f"FREQ=WEEKLY;COUNT={sittings}"))
            if meeting is not None:
                self.apply(lambda: services.cancel_meeting(users.district_staff, meeting,
                                                           "Dừng chuỗi"))

        # -- the record of what was held
        @rule(day=st.sampled_from([-1, -3]), hour=HOURS, series=st.booleans())
        def end_before_the_closing_job(self, day, hour, series):
            """A meeting booked earlier whose end the clock has passed since, before the closing
            job ran: still scheduled (a series: its last sitting still to come)."""
            if series:
                create_meeting(tree.ba_dinh, weekly_start(-8, 3, hh=hour),
                               rrule="FREQ=WEEKLY;COUNT=3", title="Giao ban tuần chưa đóng")
            else:
                create_meeting(tree.ba_dinh, at(day, hour), title="Họp chưa đóng")
            db.session.commit()

        @rule()
        def close_ended_meetings(self):
            close_meetings(utcnow())

        @rule(pick=PICK, mode=MODES)
        def record_held_mode(self, pick, mode):
            sitting = self.sitting(pick, "held", "scheduled", ended=True)
            if sitting is not None:
                self.apply(lambda: services.set_held_mode(booker[sitting.meeting.host_unit_id],
                                                          sitting, mode))

        # -- the .ics import page (all or nothing per file)
        @rule(day=DAYS, hour=HOURS, in_room=st.booleans(),
              series=st.sampled_from([None, "plain", "moved", "cancelled"]),
              again=st.booleans())
        def import_ics(self, day, hour, in_room, series, again):
            number = next(self.uids)
            uid = f"{number - 1 if again and number else number}@outlook.example"
            start = at(day, hour)
            extra = ["LOCATION:Phòng họp tầng 2"] if in_room else []
            events = []
            if series:
                extra.append("RRULE:FREQ=WEEKLY;COUNT=3")
                second = start + timedelta(days=7)
                if series == "moved":
                    events.append(ics_event(uid, second + timedelta(hours=4), 60,
                                            f"RECURRENCE-ID;TZID=Asia/Ho_Chi_Minh:"
                                            f"{second.strftime('%Y%m%dT%H%M%S')}"))
                elif series == "cancelled":
                    events.append(ics_event(uid, second, 60, "STATUS:CANCELLED",
                                            f"RECURRENCE-ID;TZID=Asia/Ho_Chi_Minh:"
                                            f"{second.strftime('%Y%m%dT%H%M%S')}"))
            events.insert(0, ics_event(uid, start, 60, *extra))
            body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Outlook//VI",
                                *events, "END:VCALENDAR"]) + "\r\n"
            g.pop("_login_user", None)  # the app fixture shares one `g` across requests
            answer = client.post("/calendar/import",
                                 data={"file": (io.BytesIO(body.encode()), "lich.ics")},
                                 content_type="multipart/form-data")
            assert answer.status_code in (200, 422), answer.get_data(as_text=True)[:500]
            db.session.rollback()  # read what the page committed afresh

        # -- after every step
        @invariant()
        def flask_check_finds_nothing(self):
            assert integrity.problems() == []

        @invariant()
        def the_running_counts_equal_a_recount(self):
            assert stored_tally() == recount()
            db.session.rollback()

    run_state_machine_as_test(Changes, settings=settings(
        max_examples=20, stateful_step_count=12, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
