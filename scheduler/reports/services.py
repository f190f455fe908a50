"""Target figures: the held-online share of meetings against the targets, per scope (a unit
subtree), period, child unit and month — computed by grouped SQL, never by loading meetings.

A figure counts occurrences (each sitting of a series is one meeting) of meetings of the
target's categories, hosted by a unit of the scope, starting within the period's local days,
cancelled ones excluded. "Held" means status held, or scheduled with its end already past (the
closing job may not have run yet); its mode is the one it was held in, else the booked one.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.access import require
from ..core.errors import NotFound, ValidationError
from ..core.timeutil import local_day_bounds, local_midnight_utc
from ..extensions import db
from ..meetings.models import ONLINE_MODES, Meeting, Occurrence
from ..units.models import Unit
from . import coverage
from .models import Target
from .periods import Period
from .targets import active_targets
from .sql import analytic_transaction, child_id_under


@dataclass
class Figure:
    numerator: int = 0
    denominator: int = 0
    planned_numerator: int = 0
    planned_denominator: int = 0
    threshold: Decimal | None = None

    def add(self, row) -> None:
        self.numerator += int(row.held_online or 0)
        self.denominator += int(row.held or 0)
        self.planned_numerator += int(row.planned_online or 0)
        self.planned_denominator += int(row.planned or 0)

    @property
    def share(self) -> float | None:
        return percent(self.numerator, self.denominator)

    @property
    def planned_share(self) -> float | None:
        return percent(self.planned_numerator, self.planned_denominator)

    @property
    def met(self) -> bool | None:
        if self.denominator == 0 or self.threshold is None:
            return None
        # on the exact fraction, not the rounded share: 79.95 % shows as 80.0 % but misses 80 %
        return Decimal(self.numerator) * 100 >= self.threshold * self.denominator


def percent(numerator: int, denominator: int) -> float | None:
    """100·n/d rounded half-up to one decimal; None ("no data") when d is 0."""
    if not denominator:
        return None
    value = (Decimal(100 * numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


@dataclass
class TargetReport:
    target: Target
    threshold: Decimal | None
    total: Figure
    children: list[tuple[Unit, Figure]] = field(default_factory=list)
    trend: list[tuple[str, Figure]] = field(default_factory=list)


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_month(value: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in value.split("-"))
        date(year, month, 1)
    except ValueError:
        raise ValidationError(_("Tháng không hợp lệ: %(value)s (định dạng YYYY-MM).",
                                value=value)) from None
    return year, month


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def child_units(scope: Unit, period: Period) -> list[Unit]:
    """The scope's direct children that existed on at least one day of the period."""
    return list(db.session.scalars(
        sa.select(Unit).where(Unit.parent_id == scope.id,
                              Unit.overlapping_span(period.start, period.end))
        .order_by(Unit.code, Unit.valid_from)))


def counted_occurrences(categories, scope: Unit, period: Period):
    """The FROM/WHERE shared by the figures and the drill-down: occurrences of meetings of
    `categories`, hosted in the scope, starting in the period, not cancelled."""
    start, end = local_day_bounds(period.start, period.end)
    hosts = sa.select(Unit.id).where(Unit.in_subtree(scope))
    return (sa.select(Occurrence.id)
            .join(Meeting, Meeting.id == Occurrence.meeting_id)
            .where(Occurrence.start_at >= start, Occurrence.start_at < end,
                   Occurrence.status != "cancelled", Meeting.status != "cancelled",
                   Meeting.category.in_(list(categories)),
                   Meeting.host_unit_id.in_(hosts)))


def held_condition(now: datetime):
    return sa.or_(Occurrence.status == "held",
                  sa.and_(Occurrence.status == "scheduled", Occurrence.end_at <= now))


def planned_condition(now: datetime):
    return sa.and_(Occurrence.status == "scheduled", Occurrence.end_at > now)


def online_condition():
    return sa.func.coalesce(Occurrence.held_mode, Meeting.mode).in_(ONLINE_MODES)


def _month_index(period: Period):
    """SQL: the index in period.buckets of the (local) month an occurrence starts in. Compared
    against UTC month boundaries so it works the same on SQLite and PostgreSQL."""
    buckets = period.buckets
    whens = [(Occurrence.start_at < local_midnight_utc(last + timedelta(days=1)), i)
             for i, (_key, _first, last) in enumerate(buckets[:-1])]
    return sa.case(*whens, else_=len(buckets) - 1) if whens else sa.literal(0)


def share_query(targets: list[Target], scope: Unit, period: Period, now: datetime):
    """Rows (child_id, month_index, then for each target: held_online, held, planned_online,
    planned).

    One pass over the occurrences of the period, grouped by the scope's child each host lies
    under (read off the host's path) and by month; each target's four counts are filtered
    aggregates of that one grouping, so a category counted by two targets is still read once."""
    start, end = local_day_bounds(period.start, period.end)
    hosts = (sa.select(Unit.id.label("unit_id"),
                       child_id_under(Unit.path, scope).label("child_id"))
             .where(Unit.in_subtree(scope)).subquery("hosts"))
    held, planned = held_condition(now), planned_condition(now)
    per_row = (sa.select(hosts.c.child_id, _month_index(period).label("month_index"),
                         Meeting.category.label("category"),
                         sa.case((held, 1), (planned, 2), else_=0).label("state"),
                         sa.case((online_condition(), 1), else_=0).label("online"))
               .select_from(Occurrence)
               .join(Meeting, Meeting.id == Occurrence.meeting_id)
               .join(hosts, hosts.c.unit_id == Meeting.host_unit_id)
               .where(Occurrence.start_at >= start, Occurrence.start_at < end,
                      Occurrence.status != "cancelled", Meeting.status != "cancelled",
                      Meeting.category.in_(sorted({c for t in targets for c in t.categories})))
               .subquery("per_row"))
    measures = []
    for target in targets:
        mine = per_row.c.category.in_(target.categories)
        for state, online in ((1, True), (1, False), (2, True), (2, False)):
            condition = sa.and_(mine, per_row.c.state == state)
            if online:
                condition = sa.and_(condition, per_row.c.online == 1)
            measures.append(sa.func.count().filter(condition))
    return (sa.select(per_row.c.child_id, per_row.c.month_index, *measures)
            .group_by(per_row.c.child_id, per_row.c.month_index))


def _share_rows(targets: list[Target], scope: Unit, period: Period, now: datetime):
    """share_query's rows, one ShareRow per target."""
    rows = []
    for child_id, month_index, *counts in db.session.execute(
            share_query(targets, scope, period, now)):
        for i, target in enumerate(targets):
            rows.append(ShareRow(target.id, child_id, month_index, *counts[4 * i:4 * i + 4]))
    return rows


@dataclass
class ShareRow:
    target_id: int
    child_id: int | None
    month_index: int
    held_online: int
    held: int
    planned_online: int
    planned: int
    # False for a child's own tally row: its sittings are in the scope's row already
    in_total: bool = True


def _tallied_rows(targets: list[Target], scope: Unit, period: Period, now: datetime,
                  children: list[Unit]) -> list[ShareRow]:
    """The same figures as _share_rows, read from the running counts (reports/tally.py) for
    the whole half months of the period and counted from the sittings only for the partial
    ones and for the sittings around `now` still scheduled although ended."""
    from . import tally
    from .models import OccurrenceTally
    from .periods import custom_period

    parts = tally.plan(period, now)
    whole = {index: (outer, state) for index, _f, _l, outer, state in parts if index is not None}
    categories = sorted({c for t in targets for c in t.categories})
    rows: list[ShareRow] = []
    child_ids = {c.id for c in children}

    def emit(child_id, outer, category, held, held_online, planned, planned_online, in_total=True):
        for target in targets:
            if category in target.categories:
                rows.append(ShareRow(target.id, child_id, outer, held_online, held,
                                     planned_online, planned, in_total))

    if whole:
        table = OccurrenceTally
        settled = [index for index, (_outer, state) in whole.items() if state == "settled"]
        is_settled = table.half_month.in_(settled) if settled else sa.false()
        # every sitting of a settled half month has ended: its scheduled ones count as held
        held = table.held + sa.case((is_settled, table.scheduled), else_=0)
        held_online = table.held_online + sa.case((is_settled, table.scheduled_online), else_=0)
        planned = sa.case((is_settled, 0), else_=table.scheduled)
        planned_online = sa.case((is_settled, 0), else_=table.scheduled_online)
        measures = []
        for target in targets:
            mine = table.category.in_(target.categories)
            measures += [sa.func.sum(sa.case((mine, value), else_=0))
                         for value in (held, held_online, planned, planned_online)]
        outer_of = sa.case(*[(table.half_month == index, outer) for index, (outer, _s) in whole.items()],
                           else_=-1)
        base = sa.select().where(table.half_month.in_(list(whole)), table.category.in_(categories))

        def read(query):
            for key, *counts in db.session.execute(query):
                for i, target in enumerate(targets):
                    held_n, held_online_n, planned_n, planned_online_n = (int(c or 0) for c in counts[4 * i:4 * i + 4])
                    yield key, target, held_n, held_online_n, planned_n, planned_online_n

        # the scope's own counts (its whole subtree), per month of the trend
        for outer, target, h, ho, p, po in read(
                base.add_columns(outer_of, *measures).where(table.unit_id == scope.id).group_by(outer_of)):
            rows.append(ShareRow(target.id, None, outer, ho, h, po, p))
        # each child's counts, for the table (not added to the total again)
        if child_ids:
            for unit_id, target, h, ho, p, po in read(
                    base.add_columns(table.unit_id, *measures)
                    .where(table.unit_id.in_(child_ids)).group_by(table.unit_id)):
                rows.append(ShareRow(target.id, unit_id, 0, ho, h, po, p, in_total=False))
        # around `now`: sittings still scheduled whose end has passed are held already
        for first, last, outer in [(f, l, o) for i, f, l, o, s in parts if s == "open"]:
            begins, ends = local_day_bounds(first, last)
            hosts = (sa.select(Unit.id.label("unit_id"),
                               child_id_under(Unit.path, scope).label("child_id"))
                     .where(Unit.in_subtree(scope)).subquery("hosts"))
            online = sa.case((online_condition(), 1), else_=0)
            for child_id, category, is_online, count in db.session.execute(
                    sa.select(hosts.c.child_id, Meeting.category, online, sa.func.count())
                    .select_from(Occurrence)
                    .join(Meeting, Meeting.id == Occurrence.meeting_id)
                    .join(hosts, hosts.c.unit_id == Meeting.host_unit_id)
                    .where(Occurrence.status == "scheduled", Occurrence.end_at <= now,
                           Occurrence.end_at > begins, Occurrence.start_at >= begins,
                           Occurrence.start_at < ends, Meeting.status != "cancelled",
                           Meeting.category.in_(categories))
                    .group_by(hosts.c.child_id, Meeting.category, online)):
                moved = int(count)
                moved_online = moved if is_online else 0
                emit(None, outer, category, moved, moved_online, -moved, -moved_online)
                if child_id in child_ids:
                    emit(child_id, outer, category, moved, moved_online, -moved, -moved_online,
                         in_total=False)
    # partial half months: counted from the sittings, each span within one month of the trend
    for _index, first, last, outer in [(i, f, l, o) for i, f, l, o, _s in parts if i is None]:
        for row in _share_rows(targets, scope, custom_period(first, last), now):
            row.month_index = outer
            rows.append(row)
    return rows


def threshold_year(period: Period) -> int:
    return period.year or period.end.year


def share_reports(targets: list[Target], scope: Unit, period: Period, now: datetime,
                  children: list[Unit]) -> list[TargetReport]:
    year = threshold_year(period)
    keys = [key for key, _first, _last in period.buckets]
    reports = {}
    for target in targets:
        threshold = target.threshold_for(year)
        fig = lambda: Figure(threshold=threshold)  # noqa: E731
        reports[target.id] = (TargetReport(target, threshold, fig()),
                              {c.id: fig() for c in children}, [fig() for _ in keys])
    if targets:
        for row in _tallied_rows(targets, scope, period, now, children):
            report, by_child, by_month = reports[row.target_id]
            if row.in_total:
                report.total.add(row)
                by_month[row.month_index].add(row)
            if row.child_id in by_child:
                by_child[row.child_id].add(row)
    result = []
    for report, by_child, by_month in reports.values():
        report.children = [(c, by_child[c.id]) for c in children]
        report.trend = list(zip(keys, by_month))
        result.append(report)
    return result


def ward_reports(targets: list[Target], scope: Unit, period: Period, today: date,
                 children: list[Unit]) -> list[TargetReport]:
    """Coverage targets: wards existing on the period's end (or today, if earlier) whose WAN /
    video conference was in place that day; the trend takes each month's last day."""
    if not targets:
        return []
    year = threshold_year(period)
    month_days = [last for _key, _first, last in period.buckets]
    past = [d for d in month_days if d <= today]
    # one grouped query: the report's day, then each month's last day that has come
    counts, *by_month = coverage.ward_counts_on(scope, [min(period.end, today), *past],
                                                [c.id for c in children])
    monthly = [(key, by_month[i] if i < len(past) else None)
               for i, (key, _first, _last) in enumerate(period.buckets)]
    result = []
    for target in targets:
        fact = "vc" if target.measure == "ward_vc" else "wan"
        threshold = target.threshold_for(year)

        def figure(c, fact=fact, threshold=threshold):
            c = c or {"total": 0, fact: 0}
            return Figure(numerator=c[fact], denominator=c["total"], threshold=threshold)

        report = TargetReport(target, threshold, figure(counts["scope"]))
        report.children = [(c, figure(counts["children"].get(c.id))) for c in children]
        report.trend = [(key, figure(c["scope"] if c else None)) for key, c in monthly]
        result.append(report)
    return result


def target_reports(actor, scope: Unit, period: Period, now: datetime, today: date,
                   targets: list[Target] | None = None) -> list[TargetReport]:
    """Every target's figure for the scope and period, in the targets' order."""
    require("report", scope, user=actor)
    analytic_transaction()
    targets = targets if targets is not None else active_targets()
    children = child_units(scope, period)
    shares = share_reports([t for t in targets if t.measure == "share"], scope, period, now,
                           children)
    wards = ward_reports([t for t in targets if t.measure != "share"], scope, period, today,
                         children)
    by_id = {r.target.id: r for r in shares + wards}
    return [by_id[t.id] for t in targets]


def drilldown(actor, target: Target, scope: Unit, period: Period, now: datetime,
              which: str = "held", month: str | None = None, limit: int = 500):
    """The occurrences behind a figure: `held` (denominator), `online` (numerator) or
    `planned`; optionally of one month ("2026-01"). Returns (rows, total count)."""
    require("report", scope, user=actor)
    analytic_transaction()
    query = counted_occurrences(target.categories, scope, period)
    conditions = {"held": held_condition(now), "planned": planned_condition(now),
                  "online": sa.and_(held_condition(now), online_condition())}
    if which not in conditions:
        raise ValidationError(_("Loại số liệu không hợp lệ: %(value)s.", value=which))
    query = query.where(conditions[which])
    if month:
        y, m = parse_month(month)
        # the period's own month of that name (for Decree 09 periods: 15th to 14th)
        _key, first, last = period.bucket(month_key(y, m)) or (
            None, date(y, m, 1), _next_month(y, m) - timedelta(days=1))
        query = query.where(Occurrence.start_at >= local_midnight_utc(first),
                            Occurrence.start_at < local_midnight_utc(last + timedelta(days=1)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.with_only_columns(
            Occurrence.id, Occurrence.meeting_id, Occurrence.start_at, Occurrence.end_at,
            Occurrence.status, sa.func.coalesce(Occurrence.held_mode, Meeting.mode).label("mode"),
            Meeting.title, Meeting.category, Unit.code.label("host_code"),
            Unit.name.label("host_name"))
        .join(Unit, Unit.id == Meeting.host_unit_id)
        .order_by(Occurrence.start_at, Occurrence.id).limit(limit)).all()
    return rows, total


def _number(value):
    return None if value is None else float(value)


def figure_as_dict(figure: Figure) -> dict:
    return {"numerator": figure.numerator, "denominator": figure.denominator,
            "share": figure.share, "met": figure.met, "planned_share": figure.planned_share}


def report_as_dict(report: TargetReport) -> dict:
    """The API's target figure (SPEC: code, name, threshold, numerator, denominator, share, met,
    planned_share, children, trend)."""
    data = {"code": report.target.code, "name": report.target.name,
            "measure": report.target.measure, "threshold": _number(report.threshold)}
    data.update(figure_as_dict(report.total))
    data["children"] = [{"code": unit.code, "name": unit.name, "kind": unit.kind,
                         "threshold": _number(report.threshold), **figure_as_dict(fig)}
                        for unit, fig in report.children]
    data["trend"] = [{"month": key, "numerator": fig.numerator, "denominator": fig.denominator,
                      "share": fig.share} for key, fig in report.trend]
    return data


SORTS = ("share_desc", "share_asc", "code", "name")


def sort_children(children: list[tuple[Unit, Figure]], sort: str) -> list[tuple[Unit, Figure]]:
    """Children ordered for the table; units with no data always come last."""
    if sort == "name":
        return sorted(children, key=lambda item: item[0].name)
    if sort in ("share_desc", "share_asc"):
        sign = -1 if sort == "share_desc" else 1
        return sorted(children, key=lambda item: (item[1].share is None,
                                                  sign * (item[1].share or 0), item[0].code))
    return sorted(children, key=lambda item: item[0].code)


def default_scope(user) -> Unit:
    """Where a user's report opens: the top of the tree for the city's admins, else their unit."""
    if user.role == "admin":
        root_id = int(user.unit.path.strip("/").split("/")[0])
        return db.session.get(Unit, root_id) or user.unit
    return user.unit


def resolve_scope(user, code: str | None, start: date, end: date, unit_id: int | None = None) -> Unit:
    """The unit a report is asked for: by code, preferring the holder of the code during the
    period (codes are reused after mergers: a 2025 report has the retired Phường Trúc Bạch and
    the new Phường Ba Đình under one code, so the page's own links also name the row id);
    the user's default scope without a code."""
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is not None and code in (None, "", unit.code):
            return unit
    if not code:
        return default_scope(user)
    unit = db.session.scalars(
        sa.select(Unit).where(Unit.code == code, Unit.overlapping_span(start, end))
        .order_by(Unit.valid_from.desc()).limit(1)).first() or Unit.by_code(code)
    if unit is None:
        raise NotFound(_("Không tìm thấy đơn vị mã %(code)s.", code=code))
    return unit


def scope_choices(user, start: date, end: date, limit: int = 1000) -> list[Unit]:
    """Units the user may report on that existed in the period; wards are reached from their
    district's table, which keeps the picker short with thousands of wards."""
    query = sa.select(Unit).where(sa.or_(Unit.kind != "ward", Unit.id == user.unit_id),
                                  Unit.overlapping_span(start, end))
    if user.role != "admin":
        query = query.where(Unit.in_subtree(user.unit))
    kind_order = sa.case({"city": 0, "department": 1, "district": 2}, value=Unit.kind, else_=3)
    return list(db.session.scalars(query.order_by(kind_order, Unit.code).limit(limit)))
