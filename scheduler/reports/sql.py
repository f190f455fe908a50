"""SQL helpers of the reports.

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
