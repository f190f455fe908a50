"""SQL helpers the domain packages share (the reports, the endpoints' history).

`child_id_under`: which child of a scope a unit lies under, read straight off its materialised
path ("/1/5/230/" lies under child 5 of the scope "/1/"), so that grouping by child unit is a
per-row expression rather than a join of every unit against every child's path prefix.

`analytic_transaction`: PostgreSQL's JIT compiler costs more than it saves on the reports'
aggregations (0.3-0.7 s of compiling for queries that run in a fraction of that: see
benchmarks/reports.py), so it is switched off for the rest of the transaction.
"""
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db


def analytic_transaction() -> None:
    """Tune the current transaction for the reports' grouped queries (PostgreSQL: no JIT).
    SET LOCAL ends with the transaction, so the request's other statements are unaffected
    once it commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


class _PathChildId(FunctionElement):
    type = sa.Integer()
    inherit_cache = True
    name = "path_child_id"


def child_id_under(path, scope) -> _PathChildId:
    """SQL integer: the id of the unit directly below `scope` on the path of a unit of the
    scope's subtree; NULL for the scope itself. (Meaningless for a unit outside the subtree:
    callers filter on Unit.in_subtree(scope) as well.)"""
    # the offset is a literal: PostgreSQL has substr(text, integer) but no bigint overload
    return _PathChildId(path, sa.literal_column(str(len(scope.path) + 1), sa.Integer()))


@compiles(_PathChildId)
def _default(element, compiler, **kw):  # SQLite
    path, offset = (compiler.process(c, **kw) for c in element.clauses)
    rest = f"substr({path}, {offset})"
    return f"CAST(NULLIF(substr({rest}, 1, instr({rest}, '/') - 1), '') AS INTEGER)"


@compiles(_PathChildId, "postgresql")
def _postgresql(element, compiler, **kw):
    path, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(NULLIF(split_part(substr({path}, {offset}), '/', 1), '') AS INTEGER)"


class _DayAfter(FunctionElement):
    type = sa.Date()
    inherit_cache = True
    name = "day_after"


def day_after(day) -> _DayAfter:
    """SQL date: the day following `day` (a date column)."""
    return _DayAfter(day)


@compiles(_DayAfter)
def _day_after_default(element, compiler, **kw):  # SQLite: dates are ISO strings
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


@compiles(_DayAfter, "postgresql")
def _day_after_postgresql(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} + 1)"


class _Latest(FunctionElement):
    type = sa.Date()
    inherit_cache = True
    name = "latest"


class _Earliest(FunctionElement):
    type = sa.Date()
    inherit_cache = True
    name = "earliest"


def latest(a, b) -> _Latest:
    """SQL: the later of two non-null values (PostgreSQL's greatest, SQLite's max)."""
    return _Latest(a, b)


def earliest(a, b) -> _Earliest:
    """SQL: the earlier of two non-null values (least / min)."""
    return _Earliest(a, b)


@compiles(_Latest)
def _latest_default(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(_Latest, "postgresql")
def _latest_postgresql(element, compiler, **kw):
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(_Earliest)
def _earliest_default(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(_Earliest, "postgresql")
def _earliest_postgresql(element, compiler, **kw):
    return f"least({compiler.process(element.clauses, **kw)})"
