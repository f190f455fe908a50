"""Report pages: the targets report with its drill-down and exports, and the targets' settings.
The ward coverage pages live in coverage_views.py."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required, require
from ..core.errors import ValidationError
from ..core.links import unit_link
from ..core.requests import id_arg
from ..core.timeutil import today_local, utcnow
from ..extensions import db
from ..core.replica import reads_replica
from ..core import charts
from . import bp, export, services, targets
from .forms import TargetForm, ThresholdForm
from .periods import parse_period


def report_request():
    """(scope, period) from the query string, authorised for the current user."""
    period = parse_period(request.args, today_local())
    scope = services.resolve_scope(current_user, request.args.get("unit"), period.start, period.end,
                                   id_arg(request.args, "unit_id"))
    require("report", scope)
    return scope, period


@bp.route("", endpoint="targets")
@login_required
@permission_required("report")
@reads_replica
def targets_page():
    scope, period = report_request()
    sort = request.args.get("sort", "share_desc")
    if sort not in services.SORTS:
        sort = "share_desc"
    reports = services.target_reports(current_user, scope, period, utcnow(), today_local())
    cards = []
    for report in reports:
        cards.append({
            "report": report,
            "children": services.sort_children(report.children, sort),
            "gauge": charts.gauge(report.total.share, report.threshold, report.target.name),
            "trend": charts.trend([(k, f.share) for k, f in report.trend], report.threshold,
                                  _("Diễn biến theo tháng: %(name)s", name=report.target.name),
                                  _trend_links(report, scope, period)),
        })
    ancestors = [u for u in scope.ancestors() if u.can_report(current_user)]
    return render_template(
        "reports/targets.html", scope=scope, period=period, cards=cards, sort=sort,
        ancestors=ancestors, period_args=period.query_args(), row_links=_row_links(reports, period, sort),
        choices=services.scope_choices(current_user, period.start, period.end),
        today=today_local())


def _row_links(reports, period, sort) -> dict:
    """The links of the children's rows, one builder per column (core/links.py)."""
    args = period.query_args()
    links = {"report": unit_link("reports.targets", sort=sort, **args),
             "coverage": unit_link("reports.coverage", date=min(period.end, today_local()))}
    for report in reports:
        code = report.target.code
        for which in ("online", "held", "planned"):
            links[code, which] = unit_link("reports.drilldown", target=code, which=which, **args)
    return links


def _trend_links(report, scope, period) -> list[str] | None:
    """Each month's bar of a share target leads to the meetings held that month."""
    if not report.target.counts_meetings:
        return None
    return [url_for("reports.drilldown", target=report.target.code, unit=scope.code,
                    which="held", in_month=key, **period.query_args())
            for key, _fig in report.trend]


@bp.route("/drilldown")
@login_required
@permission_required("report")
@reads_replica
def drilldown():
    scope, period = report_request()
    target = targets.get_target(request.args.get("target", ""))
    if not target.counts_meetings:
        return redirect(url_for("reports.coverage", unit=scope.code,
                                date=min(period.end, today_local()).isoformat()))
    which = request.args.get("which", "held")
    # not "month": that one is the period's own month number (period=month&month=4)
    month = request.args.get("in_month") or None
    rows, total = services.drilldown(current_user, target, scope, period, utcnow(), which, month)
    return render_template("reports/drilldown.html", scope=scope, period=period, target=target,
                           rows=rows, total=total, which=which, month=month,
                           period_args=period.query_args())


def _export(kind: str):
    scope, period = report_request()
    reports = services.target_reports(current_user, scope, period, utcnow(), today_local())
    name = f"bao-cao-chi-tieu-{scope.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if kind == "xlsx":
        return Response(export.workbook(scope, period, reports),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(export.csv_text(scope, period, reports), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.route("/export.xlsx")
@login_required
@permission_required("report")
@reads_replica
def export_xlsx():
    return _export("xlsx")


@bp.route("/export.csv")
@login_required
@permission_required("report")
@reads_replica
def export_csv():
    return _export("csv")


@bp.route("/settings")
@login_required
@permission_required("administer")
def settings():
    items = targets.active_targets()
    forms = {t.code: (TargetForm(obj=t, prefix=t.code, categories=t.categories),
                      ThresholdForm(prefix=f"{t.code}-th", year=today_local().year))
             for t in items}
    return render_template("reports/settings.html", targets=items, forms=forms)


@bp.route("/settings/<code>", methods=["POST"])
@login_required
@permission_required("administer")
def update_target(code):
    target = targets.target_to_change(code)
    form = TargetForm(prefix=code)
    if not form.validate_on_submit():
        raise ValidationError(_("Dữ liệu không hợp lệ: %(errors)s", errors=_form_errors(form)))
    targets.update_target(current_user, target, form.name.data,
                          form.categories.data if target.counts_meetings else None)
    db.session.commit()
    flash(_("Đã lưu chỉ tiêu %(name)s.", name=target.name), "success")
    return redirect(url_for("reports.settings"))


@bp.route("/settings/<code>/thresholds", methods=["POST"])
@login_required
@permission_required("administer")
def set_threshold(code):
    target = targets.target_to_change(code)
    form = ThresholdForm(prefix=f"{code}-th")
    if not form.validate_on_submit():
        raise ValidationError(_("Dữ liệu không hợp lệ: %(errors)s", errors=_form_errors(form)))
    targets.set_threshold(current_user, target, form.year.data, form.percent.data)
    db.session.commit()
    flash(_("Đã đặt ngưỡng năm %(year)s cho chỉ tiêu %(name)s.", year=form.year.data,
            name=target.name), "success")
    return redirect(url_for("reports.settings"))


@bp.route("/settings/<code>/thresholds/<int:year>/delete", methods=["POST"])
@login_required
@permission_required("administer")
def delete_threshold(code, year):
    target = targets.target_to_change(code)
    targets.delete_threshold(current_user, target, year)
    db.session.commit()
    flash(_("Đã xóa ngưỡng năm %(year)s.", year=year), "success")
    return redirect(url_for("reports.settings"))


def _form_errors(form) -> str:
    return "; ".join(f"{getattr(form, name).label.text}: {' '.join(map(str, errors))}"
                     for name, errors in form.errors.items())


from . import coverage_views  # noqa: E402,F401
