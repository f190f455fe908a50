"""The unit page's part of the 2025 reform: moving the users of a closed unit to a successor in
one step (the page shows "Thành lập từ …" / "Sáp nhập vào …" from units/succession.py)."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import ValidationError
from ..core.timeutil import today_local
from ..core.types import parse_id
from ..extensions import db
from . import bp, services, succession


@bp.route("/units/<int:unit_id>/move-users", methods=["POST"])
@login_required
def move_users(unit_id):
    unit = services.get_unit_by_id(unit_id)
    target_id = parse_id(request.form.get("target"))
    if target_id is None:
        raise ValidationError(_("Hãy chọn đơn vị chuyển đến."), {"fields": {"target": _("Hãy chọn đơn vị chuyển đến.")}})
    target = services.get_unit_by_id(target_id)
    moved = succession.move_users(current_user, unit, target, today_local())
    db.session.commit()
    flash(_("Đã chuyển %(n)d người dùng của %(old)s sang %(new)s.", n=moved, old=unit.name,
            new=target.name), "success")
    return redirect(url_for("units.detail", unit_id=unit.id))
