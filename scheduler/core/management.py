"""What the management pages (users, rooms, endpoints) share: the unit a submitted form names,
authorised before anything else of the form is looked at, and writing a validated form
through a service."""
from flask import request

from ..core.access import require
from ..core.errors import ValidationError
from ..core.form_messages import show_error
from ..extensions import db


def filter_unit():
    """The unit a listing is narrowed to (?unit=CODE), or None."""
    from ..units import services as unit_services

    code = (request.args.get("unit") or "").strip()
    return unit_services.get_unit(code) if code else None


def form_unit(form):
    """The unit the form's unit_id names, which the user must manage (None when the form names
    none: its validation then fails)."""
    from ..units import services as unit_services

    if form.unit_id.data is None:
        return None
    unit = unit_services.get_unit_by_id(form.unit_id.data)
    require("manage", unit)
    return unit


def save_form(form, write):
    """Validate the form and run `write()`; its result, or None when the form goes back with
    its errors (a refusal of the service shown on the form, the transaction rolled back)."""
    if not form.validate_on_submit():
        return None
    try:
        return write()
    except ValidationError as err:
        db.session.rollback()
        show_error(form, err)
        return None
