"""Report endpoints of the JSON API: target figures and ward coverage."""
from flask import jsonify, request
from flask_login import current_user, login_required

from ..core.access import require
from ..core.timeutil import today_local, utcnow
from ..reports import coverage, services
from ..core.requests import day_arg
from ..reports.periods import parse_period
from ..core.replica import reads_replica
from . import bp, query, schemas


@bp.get("/reports/targets")
@query(schemas.TargetArgs)
@bp.response(200, schemas.TargetReport)
@login_required
@reads_replica
def report_targets():
    """Every target's figure

    ?start=&end= (ISO dates; or the page's period arguments) &unit=CODE, the code's holder
    during the period, or on day `unit_on` (a 2025 ward's report of 2024, for one: its
    predecessors' figures)."""
    period = parse_period(request.args, today_local())
    if request.args.get("unit") and request.args.get("unit_on"):
        day = day_arg(request.args, "unit_on")
        scope = services.resolve_scope(current_user, request.args["unit"], day, day)
    else:
        scope = services.resolve_scope(current_user, request.args.get("unit"), period.start, period.end)
    require("report", scope)
    reports = services.target_reports(current_user, scope, period, utcnow(), today_local())
    return jsonify({"unit": {"code": scope.code, "name": scope.name},
                    "start": period.start.isoformat(), "end": period.end.isoformat(),
                    "targets": [services.report_as_dict(r) for r in reports]})


@bp.get("/reports/connectivity")
@query(schemas.CoverageArgs)
@bp.response(200, schemas.Connectivity)
@login_required
@reads_replica
def report_connectivity():
    """Ward coverage

    ?unit=CODE&date=YYYY-MM-DD (today by default)."""
    day = day_arg(request.args, "date", None) or today_local()
    scope = services.resolve_scope(current_user, request.args.get("unit"), day, day)
    require("report", scope)
    figures = coverage.connectivity(current_user, scope, day)
    figures["headlines"] = coverage.headlines(figures)
    return jsonify(figures)
