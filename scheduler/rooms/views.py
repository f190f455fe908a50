"""Room management pages, scoped to the units the signed-in user manages (core/management.py
is the pattern they share with endpoints and users)."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import permission_required
from ..core.form_messages import select_choices
from ..core.management import filter_unit, form_page, listing, toggle_active
from ..units import services as unit_services
from . import bp, services
from .forms import RoomForm


@bp.route("/rooms")
@permission_required("manage")
def index():
    unit = filter_unit()
    page = listing(services.rooms_query(current_user, unit=unit, permission="manage",
                                        include_inactive=True, search=request.args.get("q")))
    return render_template("rooms/index.html", rooms=page.items, page=page, unit=unit,
                           units=unit_services.units_in_reach(current_user, "manage"))


def _form(room=None) -> RoomForm:
    form = RoomForm(obj=room)
    form.unit_id.choices = select_choices(unit_services.unit_choices(current_user))
    return form


@bp.route("/rooms/new", methods=["GET", "POST"])
@permission_required("manage")
def create():
    form = _form()
    if request.method == "GET" and request.args.get("unit"):
        form.unit_id.data = unit_services.get_unit(request.args["unit"]).id
    return form_page(form, "rooms/form.html",
                     lambda unit: services.create_room(current_user, unit, form.values()),
                     saved=lambda room: _("Đã thêm phòng họp %(name)s.", name=room.name),
                     back="rooms.index", room=None)


@bp.route("/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@permission_required("manage")
def edit(room_id):
    room = services.get_managed_room(current_user, room_id)
    form = _form(room)
    return form_page(form, "rooms/form.html",
                     lambda unit: services.update_room(current_user, room, unit, form.values()),
                     saved=lambda room: _("Đã lưu phòng họp %(name)s.", name=room.name),
                     back="rooms.index", room=room)


@bp.post("/rooms/<int:room_id>/active")
@permission_required("manage")
def set_active(room_id):
    room = services.get_managed_room(current_user, room_id)
    return toggle_active(room, services.set_room_active, back="rooms.index",
                         on=_("Đã mở lại phòng họp %(name)s.", name=room.name),
                         off=_("Đã ngừng sử dụng phòng họp %(name)s.", name=room.name))
