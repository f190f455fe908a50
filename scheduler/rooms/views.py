"""Room management pages, scoped to the units the signed-in user manages (units/management.py
is the pattern they share with endpoints and users)."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import permission_required
from ..core.form_messages import select_choices
from ..units.management import ManagedPages, filter_unit, listing
from ..units import services as unit_services
from . import bp, services
from .forms import RoomForm


@bp.route("/rooms")
@permission_required("manage")
def index():
    unit = filter_unit()
    page = listing(services.rooms_query(current_user, unit=unit, permission="manage",
                                        include_inactive=True, search=request.args.get("q")))
    return render_template("rooms/index.html", page=page, unit=unit,
                           units=unit_services.units_in_reach(current_user, "manage"))


def _form(room=None) -> RoomForm:
    form = RoomForm(obj=room)
    form.unit_id.choices = select_choices(unit_services.unit_choices(current_user))
    if room is None and request.method == "GET" and request.args.get("unit"):
        form.unit_id.data = unit_services.get_unit(request.args["unit"]).id  # "add a room here"
    return form


ManagedPages(
    bp, "/rooms", name="room", form=_form, template="rooms/form.html", back="rooms.index",
    get=services.get_managed_room,
    create=lambda form, unit: services.create_room(current_user, unit, form.values()),
    update=lambda room, form, unit: services.update_room(current_user, room, unit, form.values()),
    set_active=services.set_room_active,
    texts={"created": lambda room: _("Đã thêm phòng họp %(name)s.", name=room.name),
           "saved": lambda room: _("Đã lưu phòng họp %(name)s.", name=room.name),
           "resumed": lambda room: _("Đã mở lại phòng họp %(name)s.", name=room.name),
           "stopped": lambda room: _("Đã ngừng sử dụng phòng họp %(name)s.", name=room.name)})
