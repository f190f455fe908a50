"""The editing of a unit's contacts by whoever manages the unit. (The unit's page, which
shows its rooms, endpoints and users beside them, is a page of the web layer: web/units.py.)"""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField, StringField
from wtforms.validators import Email, Length, Optional, Regexp

from ..core.access import require
from ..core.form_messages import Form
from ..extensions import db
from . import bp, services
from .models import Unit

PHONE = Regexp(r"^[0-9 +().\-]*$", message=_l("Số điện thoại chỉ gồm chữ số, dấu cách và + ( ) . -"))


class ContactsForm(Form):
    email = EmailField(_l("Hộp thư văn phòng (nhận giấy mời)"),
                       validators=[Optional(), Email(), Length(max=200)])
    phone = StringField(_l("Điện thoại văn phòng"), validators=[Optional(), Length(max=50), PHONE])
    tech_name = StringField(_l("Cán bộ kỹ thuật điểm cầu"), validators=[Optional(), Length(max=200)])
    tech_phone = StringField(_l("Điện thoại cán bộ kỹ thuật"), validators=[Optional(), Length(max=50), PHONE])
    tech_email = EmailField(_l("E-mail cán bộ kỹ thuật"), validators=[Optional(), Email(), Length(max=200)])


def _unit(unit_id: int) -> Unit:
    return services.get_unit_by_id(unit_id)


@bp.route("/units/<int:unit_id>/contacts", methods=["GET", "POST"])
@login_required
def edit_contacts(unit_id):
    unit = _unit(unit_id)
    require("manage", unit)
    form = ContactsForm(obj=unit)
    if form.validate_on_submit():
        services.update_contacts(current_user, unit, form.data)
        db.session.commit()
        flash(_("Đã lưu thông tin liên hệ của %(name)s.", name=unit.name), "success")
        return redirect(url_for("units.detail", unit_id=unit.id))
    status = 422 if form.is_submitted() else 200
    return render_template("units/contacts.html", unit=unit, form=form), status
