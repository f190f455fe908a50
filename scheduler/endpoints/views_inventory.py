"""The endpoint inventory as a file: export, import with a preview, confirmation."""
import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import permission_required
from ..core.errors import ValidationError
from ..units.management import filter_unit
from ..core.timeutil import today_local
from ..extensions import db
from ..units import services as unit_services
from . import bp, inventory

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.route("/endpoints/inventory")
@permission_required("manage")
def inventory_page():
    return render_template("endpoints/inventory.html", rows=None, errors=0,
                           units=unit_services.units_in_reach(current_user, "manage"))


@bp.route("/endpoints/export.csv")
@permission_required("manage")
def export_csv():
    return _export("csv")


@bp.route("/endpoints/export.xlsx")
@permission_required("manage")
def export_xlsx():
    return _export("xlsx")


def _export(kind: str):
    unit = filter_unit()
    endpoints = inventory.export_endpoints(current_user, unit)
    body = inventory.to_csv(endpoints) if kind == "csv" else inventory.to_xlsx(endpoints)
    name = f"diem-cau-{unit.code if unit else 'tat-ca'}-{today_local():%Y%m%d}.{kind}"
    return Response(body, content_type=TYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _preview(planned, status=200):
    errors = sum(bool(row.errors) for row in planned)
    payload = json.dumps([row.to_json() for row in planned], ensure_ascii=False)
    return render_template("endpoints/inventory.html", rows=planned, errors=errors,
                           payload=payload,
                           units=unit_services.units_in_reach(current_user, "manage")), status


@bp.post("/endpoints/import")
@permission_required("manage")
def import_preview():
    """Check the uploaded file and show what it would change; nothing is written."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError(_("Chưa chọn tệp để nhập."), {"field": "file"})
    records = inventory.read_file(upload.filename, upload.read())
    planned = inventory.plan_import(current_user, records, today_local())
    db.session.rollback()
    return _preview(planned, 422 if any(row.errors for row in planned) else 200)


@bp.post("/endpoints/import/confirm")
@permission_required("manage")
def import_confirm():
    """Write the previewed rows, checked again, all or nothing."""
    try:
        rows = json.loads(request.form.get("rows") or "")
    except ValueError:
        raise ValidationError(_("Dữ liệu xác nhận không hợp lệ.")) from None
    today = today_local()
    planned = inventory.plan_import(current_user, inventory.from_json(rows), today)
    if any(row.errors for row in planned):
        db.session.rollback()
        return _preview(planned, 422)
    counts = inventory.apply_import(current_user, planned, today)
    db.session.commit()
    flash(_("Đã nhập danh sách điểm cầu: %(created)d thêm mới, %(updated)d cập nhật, "
            "%(same)d không đổi.", created=counts["create"], updated=counts["update"],
            same=counts["unchanged"]), "success")
    return redirect(url_for("endpoints.index"))
