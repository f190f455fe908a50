"""Target figures: the held-online share of meetings against the targets, per scope (a unit
subtree), period, child unit and month — computed by grouped SQL (reports/counting.py), never by
loading meetings; the wards' coverage targets; the drill-down, the API's shape and the scope a
report is asked for.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.access import ALL, reach, require
from ..core.errors import NotFound, ValidationError
from ..core.timeutil import local_midnight_utc
from ..extensions import db
from ..meetings.models import Meeting, Occurrence
from ..units.models import Unit
from . import coverage
from .models import Target
from .counting import (counted_occurrences, held_condition, numerator_condition,
                       planned_condition, tallied_rows)
from .periods import Period
from .targets import active_targets
from ..core.sql import analytic_transaction


@dataclass
class Figure:
    numerator: int = 0
    denominator: int = 0
    planned_numerator: int = 0
    planned_denominator: int = 0
    threshold: Decimal | None = None

    def merge(self, other: "Figure") -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.planned_numerator += other.planned_numerator
        self.planned_denominator += other.planned_denominator

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
    # the former units whose figures the total includes, before the scope existed:
    # (unit, merged whole)
    predecessors: list[tuple[Unit, bool]] = field(default_factory=list)


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


def threshold_year(period: Period) -> int:
    return period.year or period.end.year


def share_reports(targets: list[Target], scope: Unit, period: Period, now: datetime,
                  children: list[Unit]) -> list[TargetReport]:
    """Meeting share targets, online or paperless, read from the running counts
    (tallied_rows)."""
    year = threshold_year(period)
    keys = [key for key, _first, _last in period.buckets]
    reports = {}
    for target in targets:
        threshold = target.threshold_for(year)
        fig = lambda: Figure(threshold=threshold)  # noqa: E731
        reports[target.code] = (TargetReport(target, threshold, fig()),
                              {c.id: fig() for c in children}, [fig() for _ in keys])
    if targets:
        for row in tallied_rows(targets, scope, period, now, children):
            report, by_child, by_month = reports[row.target_code]
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
    # the online and the paperless shares: one reading of the running counts
    shares = share_reports([t for t in targets if t.counts_meetings], scope, period, now,
                           children)
    share_targets = [t for t in targets if t.measure == "share"]
    add_predecessors([r for r in shares if r.target.measure == "share"], share_targets, scope,
                     period, now)
    wards = ward_reports([t for t in targets if not t.counts_meetings], scope, period, today,
                         children)
    by_code = {r.target.code: r for r in shares + wards}
    return [by_code[t.code] for t in targets]


def add_predecessors(reports: list[TargetReport], targets: list[Target], scope: Unit,
                     period: Period, now: datetime) -> None:
    """A unit formed on a later day (a 2025 commune or ward) has no meetings of its own before
    it: for the part of the period before its first day, its report counts those of the former
    units that formed it (their whole figures, also of those only partly merged), so that this
    year compares with last year for the same area. Each report lists them."""
    from ..units.succession import predecessor_units

    if not reports or scope.valid_from is None or period.start >= scope.valid_from:
        return
    formers = predecessor_units(scope)
    if not formers:
        return
    by_target = {r.target.id: r for r in reports}
    for unit, _whole in formers:
        for former in share_reports(targets, unit, period, now, []):
            report = by_target[former.target.id]
            report.total.merge(former.total)
            for (_key, mine), (_k, theirs) in zip(report.trend, former.trend):
                mine.merge(theirs)
    for report in reports:
        report.predecessors = formers


def drilldown(actor, target: Target, scope: Unit, period: Period, now: datetime,
              which: str = "held", month: str | None = None, limit: int = 500):
    """The occurrences behind a figure: `held` (denominator), `online` (numerator: held online,
    or held paperless for the paperless share) or `planned`; optionally of one month
    ("2026-01"). Returns (rows, total count)."""
    require("report", scope, user=actor)
    analytic_transaction()
    query = counted_occurrences(target.categories, scope, period)
    conditions = {"held": held_condition(now), "planned": planned_condition(now),
                  "online": sa.and_(held_condition(now), numerator_condition(target))}
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
    data["includes_predecessors"] = [
        {"code": unit.code, "name": unit.name, "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
         "whole": whole} for unit, whole in report.predecessors]
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
    if reach(user, "report") == ALL:
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


def scope_choices(user, start: date, end: date, limit: int = 1000) -> list:
    """Units the user may report on that existed in the period; wards are reached from their
    district's table, which keeps the picker short with thousands of wards. Rows (id, code,
    name, valid_to), not ORM objects: the national picker lists some 760 units on every
    report page."""
    query = sa.select(Unit.id, Unit.code, Unit.name, Unit.valid_to).where(sa.or_(Unit.kind != "ward", Unit.id == user.unit_id),
                                  Unit.overlapping_span(start, end))
    query = query.where(Unit.in_reach(user, "report"))
    kind_order = sa.case({"city": 0, "department": 1, "district": 2}, value=Unit.kind, else_=3)
    return list(db.session.execute(query.order_by(kind_order, Unit.code).limit(limit)))
