"""Counting the sittings behind the share targets: which ones a figure counts (held, planned,
online), the grouped SQL over the sittings themselves, and the same rows read from the running
counts of reports/tally.py for whole half months.

A figure counts occurrences (each sitting of a series is one meeting) of meetings of the
target's categories, hosted by a unit of the scope, starting within the period's local days,
cancelled ones excluded. "Held" means status held, or scheduled with its end already past (the
closing job may not have run yet); its mode is the one it was held in, else the booked one.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..core.timeutil import local_day_bounds, local_midnight_utc
from ..extensions import db
from ..meetings.models import ONLINE_MODES, Meeting, Occurrence
from ..units.models import Unit
from . import tally
from .models import OccurrenceTally, Target
from .periods import Period, custom_period
from ..core.sql import child_id_under


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


def paperless_condition():
    return Meeting.paperless.is_(True)


def numerator_condition(target: Target):
    """What a meeting share target counts in its numerator: held online, or held paperless."""
    return paperless_condition() if target.measure == "paperless" else online_condition()


def _month_index(period: Period):
    """SQL: the index in period.buckets of the (local) month an occurrence starts in. Compared
    against UTC month boundaries so it works the same on SQLite and PostgreSQL."""
    buckets = period.buckets
    whens = [(Occurrence.start_at < local_midnight_utc(last + timedelta(days=1)), i)
             for i, (_key, _first, last) in enumerate(buckets[:-1])]
    return sa.case(*whens, else_=len(buckets) - 1) if whens else sa.literal(0)


def share_query(targets: list[Target], scope: Unit, period: Period, now: datetime,
                numerator=None):
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
                         sa.case((numerator if numerator is not None else online_condition(), 1),
                                 else_=0).label("online"))
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


def share_rows(targets: list[Target], scope: Unit, period: Period, now: datetime,
               numerator=None):
    """share_query's rows, one ShareRow per target (`numerator`: the condition the targets
    count in their numerator, held online by default)."""
    rows = []
    for child_id, month_index, *counts in db.session.execute(
            share_query(targets, scope, period, now, numerator)):
        for i, target in enumerate(targets):
            rows.append(ShareRow(target.code, child_id, month_index, *counts[4 * i:4 * i + 4]))
    return rows


@dataclass
class ShareRow:
    target_code: str
    child_id: int | None
    month_index: int
    held_online: int
    held: int
    planned_online: int
    planned: int
    # False for a child's own tally row: its sittings are in the scope's row already
    in_total: bool = True


def _numerator_columns(table, target: Target):
    """The tally's (held, scheduled) counts of a target's numerator."""
    if target.measure == "paperless":
        return table.held_paperless, table.scheduled_paperless
    return table.held_online, table.scheduled_online


def tallied_rows(targets: list[Target], scope: Unit, period: Period, now: datetime,
                 children: list[Unit]) -> list[ShareRow]:
    """The same figures as share_rows, read from the running counts (reports/tally.py) for
    the whole half months of the period and counted from the sittings only for the partial
    ones and for the sittings around `now` still scheduled although ended. Each target counts
    its own numerator: held online, or held paperless."""
    parts = tally.plan(period, now)
    whole = {index: (outer, state) for index, _f, _l, outer, state in parts if index is not None}
    categories = sorted({c for t in targets for c in t.categories})
    child_ids = {c.id for c in children}
    rows: list[ShareRow] = []
    if whole:
        rows += _whole_half_month_rows(targets, scope, whole, categories, child_ids)
        open_spans = [(f, l, o) for _i, f, l, o, s in parts if s == "open"]
        rows += _ended_still_scheduled_rows(targets, scope, open_spans, now, categories, child_ids)
    partial_spans = [(f, l, o) for i, f, l, o, _s in parts if i is None]
    rows += _partial_half_month_rows(targets, scope, partial_spans, now)
    return rows


def _tally_measures(table, targets: list[Target], is_settled) -> list:
    """Four sums per target over the running counts: held, held by the target's measure,
    planned, planned by the target's measure. Every sitting of a settled half month has ended:
    its scheduled ones count as held."""
    def held(held_count, scheduled_count):
        return held_count + sa.case((is_settled, scheduled_count), else_=0)

    def planned(scheduled_count):
        return sa.case((is_settled, 0), else_=scheduled_count)

    measures = []
    for target in targets:
        mine = table.category.in_(target.categories)
        held_num, scheduled_num = _numerator_columns(table, target)
        measures += [sa.func.sum(sa.case((mine, value), else_=0))
                     for value in (held(table.held, table.scheduled), held(held_num, scheduled_num),
                                   planned(table.scheduled), planned(scheduled_num))]
    return measures


def _whole_half_month_rows(targets: list[Target], scope: Unit, whole: dict, categories: list,
                           child_ids: set) -> list[ShareRow]:
    """The scope's own counts (its whole subtree) per month of the trend, then each child's
    counts for the table (not added to the total again), from the running counts."""
    table = OccurrenceTally
    settled = [index for index, (_outer, state) in whole.items() if state == "settled"]
    is_settled = table.half_month.in_(settled) if settled else sa.false()
    measures = _tally_measures(table, targets, is_settled)
    outer_of = sa.case(*[(table.half_month == index, outer) for index, (outer, _s) in whole.items()],
                       else_=-1)
    base = sa.select().where(table.half_month.in_(list(whole)), table.category.in_(categories))

    def read(query):
        for key, *counts in db.session.execute(query):
            for i, target in enumerate(targets):
                held_n, held_online_n, planned_n, planned_online_n = (int(c or 0) for c in counts[4 * i:4 * i + 4])
                yield key, target, held_n, held_online_n, planned_n, planned_online_n

    rows = [ShareRow(target.code, None, outer, ho, h, po, p)
            for outer, target, h, ho, p, po in read(
                base.add_columns(outer_of, *measures).where(table.unit_id == scope.id).group_by(outer_of))]
    if child_ids:
        rows += [ShareRow(target.code, unit_id, 0, ho, h, po, p, in_total=False)
                 for unit_id, target, h, ho, p, po in read(
                     base.add_columns(table.unit_id, *measures)
                     .where(table.unit_id.in_(child_ids)).group_by(table.unit_id))]
    return rows


def _moved_rows(targets: list[Target], child_id, outer, category, moved: int, is_online,
                is_paperless, in_total=True) -> list[ShareRow]:
    """`moved` sittings of `category` leave "planned" for "held", for each target counting it."""
    rows = []
    for target in targets:
        if category in target.categories:
            counted = is_paperless if target.measure == "paperless" else is_online
            rows.append(ShareRow(target.code, child_id, outer, moved if counted else 0, moved,
                                 -moved if counted else 0, -moved, in_total))
    return rows


def _ended_still_scheduled_rows(targets: list[Target], scope: Unit, open_spans: list, now: datetime,
                                categories: list, child_ids: set) -> list[ShareRow]:
    """Around `now`: sittings still scheduled whose end has passed are held already, though
    the running counts still have them planned."""
    rows: list[ShareRow] = []
    for first, last, outer in open_spans:
        begins, ends = local_day_bounds(first, last)
        hosts = (sa.select(Unit.id.label("unit_id"),
                           child_id_under(Unit.path, scope).label("child_id"))
                 .where(Unit.in_subtree(scope)).subquery("hosts"))
        online = sa.case((online_condition(), 1), else_=0)
        paperless = sa.case((paperless_condition(), 1), else_=0)
        for child_id, category, is_online, is_paperless, count in db.session.execute(
                sa.select(hosts.c.child_id, Meeting.category, online, paperless, sa.func.count())
                .select_from(Occurrence)
                .join(Meeting, Meeting.id == Occurrence.meeting_id)
                .join(hosts, hosts.c.unit_id == Meeting.host_unit_id)
                .where(Occurrence.status == "scheduled", Occurrence.end_at <= now,
                       Occurrence.end_at > begins, Occurrence.start_at >= begins,
                       Occurrence.start_at < ends, Meeting.status != "cancelled",
                       Meeting.category.in_(categories))
                .group_by(hosts.c.child_id, Meeting.category, online, paperless)):
            moved = int(count)
            rows += _moved_rows(targets, None, outer, category, moved, is_online, is_paperless)
            if child_id in child_ids:
                rows += _moved_rows(targets, child_id, outer, category, moved, is_online,
                                    is_paperless, in_total=False)
    return rows


def _partial_half_month_rows(targets: list[Target], scope: Unit, partial_spans: list,
                             now: datetime) -> list[ShareRow]:
    """Partial half months, counted from the sittings, each span within one month of the trend."""
    online_targets = [t for t in targets if t.measure != "paperless"]
    paperless_targets = [t for t in targets if t.measure == "paperless"]
    rows = []
    for first, last, outer in partial_spans:
        for group, numerator in ((online_targets, None), (paperless_targets, paperless_condition())):
            if not group:
                continue
            for row in share_rows(group, scope, custom_period(first, last), now, numerator):
                row.month_index = outer
                rows.append(row)
    return rows
