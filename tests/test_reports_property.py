"""Property test: every figure of the targets report equals a plain Python count of the same
meetings (share targets) or wards, endpoints and recorded changes (ward targets), over a small
tree with a district retired in the 2025 reform."""
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from scheduler.meetings.models import CATEGORIES, MODES, Meeting, Occurrence
from scheduler.reports import services
from scheduler.reports.periods import calendar_period, custom_period, statutory_period
from scheduler.reports.targets import DEFAULT_TARGETS, active_targets

NOW = datetime(2025, 9, 10, 3, 0, tzinfo=timezone.utc)
FIRST_DAY = date(2024, 11, 1)
DAYS = 520  # to early April 2026
SHARE_TARGETS = {code: (set(cats), pct) for code, _n, measure, cats, pct in DEFAULT_TARGETS
                 if measure == "share"}


def small_tree(create_unit):
    """City; district A (retired 30/06/2025) with two wards; district B with one ward;
    after the reform two wards straight under the city."""
    city = create_unit("01", "Thành phố", "city")
    closed = dict(valid_to=date(2025, 6, 30))
    dist_a = create_unit("001", "Quận A", "district", city, **closed)
    dist_b = create_unit("002", "Quận B", "district", city)
    units = [city, dist_a, dist_b,
             create_unit("00001", "Phường A1", "ward", dist_a, **closed),
             create_unit("00004", "Phường A2", "ward", dist_a, **closed),
             create_unit("00037", "Phường B1", "ward", dist_b),
             create_unit("00004", "Phường mới 1", "ward", city, valid_from=date(2025, 7, 1)),
             create_unit("00008", "Phường mới 2", "ward", city, valid_from=date(2025, 7, 1))]
    return units


NOW_OFFSET = (NOW.date() - FIRST_DAY).days
# days anywhere, and many around NOW: the half months the report reads partly live
occurrence = st.tuples(st.integers(0, DAYS) | st.integers(NOW_OFFSET - 20, NOW_OFFSET + 5),
                       st.sampled_from([0, 7, 8, 14, 16, 23]),
                       st.sampled_from([0, 30]),
                       st.sampled_from(["held", "held", "scheduled", "scheduled", "cancelled",
                                        "pending"]))
meeting = st.fixed_dictionaries({
    "host": st.integers(0, 7),
    "category": st.sampled_from(CATEGORIES),
    "mode": st.sampled_from(MODES),
    "held_mode": st.none() | st.sampled_from(MODES),
    "status": st.sampled_from(["scheduled", "held", "cancelled"]),
    "occurrences": st.lists(occurrence, min_size=1, max_size=3,
                            unique_by=lambda o: (o[0], o[1], o[2])),
})
period = st.one_of(
    st.builds(calendar_period, st.just("year"), st.sampled_from([2024, 2025, 2026])),
    st.builds(calendar_period, st.just("quarter"), st.just(2025), st.integers(1, 4)),
    st.builds(calendar_period, st.just("month"), st.just(2025), st.integers(1, 12)),
    st.builds(statutory_period, st.just("month"), st.just(2025), st.integers(1, 12)),
    st.builds(statutory_period, st.just("year"), st.sampled_from([2025, 2026])),
    st.builds(statutory_period, st.just("half"), st.just(2025), st.integers(1, 2)),
    st.builds(lambda a, n: custom_period(FIRST_DAY + timedelta(a), FIRST_DAY + timedelta(a + n)),
              st.integers(0, DAYS), st.integers(0, 200)),
)


def _percent(num, den):
    # tenths rounded half up: floor(1000·num/den + 1/2), in integers
    return None if den == 0 else (2000 * num + den) // (2 * den) / 10


def reference(meetings, units, scope, period, code):
    """The obvious count: loop over every sitting and check each rule in turn."""
    categories, threshold = SHARE_TARGETS[code]

    def month_of(day):
        """Calendar month; in a Decree 09 period the reporting month (15th to 14th) a day
        belongs to, named by the month it ends in."""
        if period.kind.startswith("nd09-") and day.day >= 15:
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return f"{day:%Y-%m}"

    def figure(owner, month=None):
        num = den = pnum = pden = 0
        for m in meetings:
            host = units[m["host"]]
            if m["category"] not in categories or not host.path.startswith(owner.path):
                continue
            for start, end, status in m["sittings"]:
                day = start.astimezone(LOCAL_TZ).date()
                if not period.start <= day <= period.end or (month and month_of(day) != month):
                    continue
                if status == "cancelled" or m["status"] == "cancelled":
                    continue
                online = (m["held_mode"] or m["mode"]) in ("online", "hybrid")
                if status == "held" or (status == "scheduled" and end <= NOW):
                    den, num = den + 1, num + online
                elif status == "scheduled":
                    pden, pnum = pden + 1, pnum + online
        share = _percent(num, den)
        return {"numerator": num, "denominator": den, "share": share,
                "met": None if den == 0 else 100 * num >= threshold * den,
                "planned_share": _percent(pnum, pden)}

    children = [u for u in units if u.parent_id == scope.id
                and (u.valid_from or date.min) <= period.end and (u.valid_to or date.max) >= period.start]
    months = sorted({month_of(period.start + timedelta(d))
                     for d in range((period.end - period.start).days + 1)})
    return {"total": figure(scope),
            "children": {u.code + str(u.id): figure(u) for u in children},
            "trend": {m: figure(scope, m) for m in months}}


def _store(meetings, units, create_meeting):
    for m in meetings:
        sittings = []
        for offset, hour, minute, status in m["occurrences"]:
            start = datetime.combine(FIRST_DAY + timedelta(offset), datetime.min.time(),
                                     LOCAL_TZ).replace(hour=hour, minute=minute)
            sittings.append((start.astimezone(timezone.utc),
                             (start + timedelta(minutes=60)).astimezone(timezone.utc), status))
        m["sittings"] = sittings
        create_meeting(units[m["host"]], sittings[0][0], category=m["category"], mode=m["mode"],
                       status=m["status"], held_mode=m["held_mode"],
                       extra_starts=[s[0] for s in sittings[1:]],
                       occurrence_statuses=[s[2] for s in sittings])


def test_figures_match_a_plain_count(app, create_unit, create_user, create_meeting):
    units = small_tree(create_unit)
    admin = create_user("admin", "admin", units[0])
    targets = [t for t in active_targets() if t.measure == "share"]
    db.session.commit()

    @settings(max_examples=50, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(meetings=st.lists(meeting, max_size=12), period=period,
           scope_index=st.sampled_from([0, 0, 1, 2, 5]))
    def check(meetings, period, scope_index):
        # the per-test wipe runs once per test, not per example: clear the meetings ourselves
        db.session.execute(sa.delete(Occurrence))
        db.session.execute(sa.delete(Meeting))
        _store(meetings, units, create_meeting)
        scope = units[scope_index]
        reports = services.share_reports(targets, scope, period, NOW,
                                         services.child_units(scope, period))
        for report in reports:
            got = services.report_as_dict(report)
            want = reference(meetings, units, scope, period, report.target.code)
            fields = ("numerator", "denominator", "share", "met", "planned_share")
            assert {f: got[f] for f in fields} == want["total"]
            assert {c["code"] + str(u.id): {f: c[f] for f in fields}
                    for c, (u, _fig) in zip(got["children"], report.children)} == want["children"]
            assert {t["month"]: t for t in got["trend"]} == {
                k: {"month": k, **{f: v[f] for f in ("numerator", "denominator", "share")}}
                for k, v in want["trend"].items()}
        db.session.rollback()

    check()
    assert admin.id


# -- the ward targets: coverage counted by hand -------------------------------------------
WARDS = [3, 4, 5, 6, 7]  # indexes of the wards in small_tree
fact_date = st.none() | st.integers(0, DAYS).map(lambda n: FIRST_DAY + timedelta(n))
endpoint = st.fixed_dictionaries({"ward": st.sampled_from(WARDS), "wan": fact_date, "vc": fact_date,
                                  "active": st.booleans()})
change = st.fixed_dictionaries({"ward": st.sampled_from(WARDS), "fact": st.sampled_from(["wan", "vc"]),
                                "value": st.booleans(),
                                "on": st.integers(0, DAYS).map(lambda n: FIRST_DAY + timedelta(n))})


def ward_reference(endpoints, changes, units, scope, period, today, code, threshold):
    """Wards existing on each day under the scope; a ward's fact is the last recorded change
    by that day, else whether an active endpoint had it by then."""
    fact = "vc" if code == "ward_vc" else "wan"

    def has(ward_index, day):
        recorded = [c for c in changes if c["ward"] == ward_index and c["fact"] == fact and c["on"] <= day]
        if recorded:
            return max(recorded, key=lambda c: (c["on"], c["seq"]))["value"]
        return any(e["ward"] == ward_index and e["active"] and e[fact] is not None and e[fact] <= day
                   for e in endpoints)

    def figure(owner, day):
        wards = [i for i in WARDS if units[i].path.startswith(owner.path)
                 and (units[i].valid_from or date.min) <= day <= (units[i].valid_to or date.max)]
        num, den = sum(has(i, day) for i in wards), len(wards)
        share = _percent(num, den)
        return {"numerator": num, "denominator": den, "share": share,
                "met": None if den == 0 else 100 * num >= threshold * den}

    day = min(period.end, today)
    children = [u for u in units if u.parent_id == scope.id
                and (u.valid_from or date.min) <= period.end and (u.valid_to or date.max) >= period.start]
    trend = {key: ({k: v for k, v in figure(scope, last).items() if k != "met"} if last <= today
                   else {"numerator": 0, "denominator": 0, "share": None})
             for key, _first, last in period.buckets}
    return {"total": figure(scope, day), "children": {u.code + str(u.id): figure(u, day) for u in children},
            "trend": trend}


def test_ward_figures_match_a_plain_count(app, create_unit, create_user):
    from scheduler.endpoints.models import Endpoint
    from scheduler.endpoints.models import ConnectionFactChange

    units = small_tree(create_unit)
    create_user("admin", "admin", units[0])
    targets = [t for t in active_targets() if not t.counts_meetings]
    db.session.commit()
    today = date(2025, 9, 10)

    @settings(max_examples=50, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(endpoints=st.lists(endpoint, max_size=8), changes=st.lists(change, max_size=6),
           period=period, scope_index=st.sampled_from([0, 0, 1, 2]))
    def check(endpoints, changes, period, scope_index):
        db.session.execute(sa.delete(ConnectionFactChange))
        db.session.execute(sa.delete(Endpoint))
        for e in endpoints:
            db.session.add(Endpoint(unit=units[e["ward"]], name="Điểm cầu", wan_connected_on=e["wan"],
                                    vc_deployed_on=e["vc"], active=e["active"]))
        for seq, c in enumerate(changes):
            c["seq"] = seq
            db.session.add(ConnectionFactChange(unit_id=units[c["ward"]].id, fact=c["fact"],
                                                value=c["value"], effective_on=c["on"]))
            db.session.flush()  # ids in the order of the list: the later of one day wins
        db.session.flush()
        scope = units[scope_index]
        reports = services.ward_reports(targets, scope, period, today,
                                        services.child_units(scope, period))
        for report in reports:
            got = services.report_as_dict(report)
            want = ward_reference(endpoints, changes, units, scope, period, today, report.target.code,
                                  got["threshold"])
            fields = ("numerator", "denominator", "share", "met")
            assert {f: got[f] for f in fields} == want["total"]
            assert {c["code"] + str(u.id): {f: c[f] for f in fields}
                    for c, (u, _fig) in zip(got["children"], report.children)} == want["children"]
            assert {t["month"]: {f: t[f] for f in ("numerator", "denominator", "share")}
                    for t in got["trend"]} == want["trend"]
        db.session.rollback()

    check()
