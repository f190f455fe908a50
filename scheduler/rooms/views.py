"""Room management pages, scoped to the units the signed-in user manages."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import permission_required
from ..core.form_messages import select_choices
from ..core.management import filter_unit, form_unit, save_form
from ..extensions import db
from ..units import services as unit_services
from . import bp, services
from .forms import RoomForm

PER_PAGE = 50


@bp.route("/rooms")
@permission_required("manage")
def index():
    unit = filter_unit()
    query = services.rooms_query(current_user, unit=unit, permission="manage",
                                 include_inactive=True, search=request.args.get("q"))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("rooms/index.html", rooms=page.items, page=page, unit=unit,
                           units=unit_services.units_in_reach(current_user, "manage"))


def _save(form: RoomForm, unit, room=None):
    """The room written, or None when the form goes back with errors."""
    if room is None:
        return save_form(form, lambda: services.create_room(current_user, unit, form.values()))
    return save_form(form, lambda: services.update_room(current_user, room, unit, form.values()))


@bp.route("/rooms/new", methods=["GET", "POST"])
@permission_required("manage")
def create():
    form = RoomForm()
    form.unit_id.choices = select_choices(unit_services.unit_choices(current_user))
    if request.method == "POST":
        room = _save(form, form_unit(form))
        if room is not None:
            db.session.commit()
            flash(_("Đã thêm phòng họp %(name)s.", name=room.name), "success")
            return redirect(url_for("rooms.index"))
        return render_template("rooms/form.html", form=form, room=None), 422
    if request.args.get("unit"):
        form.unit_id.data = unit_services.get_unit(request.args["unit"]).id
    return render_template("rooms/form.html", form=form, room=None)


@bp.route("/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@permission_required("manage")
def edit(room_id):
    room = services.get_managed_room(current_user, room_id)
    form = RoomForm(obj=room)
    form.unit_id.choices = select_choices(unit_services.unit_choices(current_user))
    if request.method == "POST":
        if _save(form, form_unit(form), room) is not None:
            db.session.commit()
            flash(_("Đã lưu phòng họp %(name)s.", name=room.name), "success")
            return redirect(url_for("rooms.index"))
        return render_template("rooms/form.html", form=form, room=room), 422
    return render_template("rooms/form.html", form=form, room=room)


@bp.post("/rooms/<int:room_id>/active")
@permission_required("manage")
def set_active(room_id):
    room = services.get_managed_room(current_user, room_id)
    active = request.form.get("active") == "1"
    services.set_room_active(current_user, room, active)
    db.session.commit()
    flash(_("Đã mở lại phòng họp %(name)s.", name=room.name) if active
          else _("Đã ngừng sử dụng phòng họp %(name)s.", name=room.name), "success")
    return redirect(url_for("rooms.index"))
