"""A unit's page (facts, contacts, children, and for those who may see them its rooms and
endpoints) and the editing of its contacts by whoever manages the unit."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField, StringField
from wtforms.validators import Email, Length, Optional, Regexp

from ..core.access import allowed, require
from ..core.form_messages import Form
from ..core.timeutil import today_local
from ..endpoints.services import list_endpoints
from ..extensions import db
from ..rooms.services import list_rooms
from ..auth.models import User
from . import bp, services, succession
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


@bp.route("/units/<int:unit_id>")
@login_required
def detail(unit_id):
    unit = _unit(unit_id)
    may_view = allowed(current_user, "view", unit)
    children = list(db.session.scalars(sa.select(Unit).where(
        Unit.parent_id == unit.id, Unit.active_on(today_local())).order_by(Unit.code)))
    facts = services.connection_facts([unit.id, *[c.id for c in children]])
    today = today_local()
    may_move = allowed(current_user, "manage", unit) and not unit.exists_on(today)
    users = list(db.session.scalars(sa.select(User).where(User.unit_id == unit.id)
                                    .order_by(User.username))) if may_move else []
    return render_template(
        "units/detail.html", unit=unit, children=children, facts=facts,
        predecessors=succession.predecessor_units(unit), successors=succession.successor_units(unit),
        users_to_move=users,
        move_choices=succession.successor_choices(unit, today) if users else [],
        ancestors=unit.ancestors(),
        rooms=list_rooms(current_user, unit=unit, subtree=False) if may_view else None,
        endpoints=list_endpoints(current_user, unit=unit, subtree=False) if may_view else None,
        may_manage=allowed(current_user, "manage", unit))


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
