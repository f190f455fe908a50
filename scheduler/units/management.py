"""What the management pages (users, rooms, endpoints) share, so that each behaves the same:

- `listing`: a page of a list query, 50 rows, `?page=`, with the filter bar and pager of
  templates/_manage.html;
- `form_page`: a create or edit form — the unit a submitted form names authorised before
  anything else of it is looked at, the form validated, written through the domain's service
  (which authorises and audits), committed once, flashed and redirected; a refusal shows the
  form again with everything typed and each message on its field (422);
- `toggle_active`: the list's "stop using / resume" button.
"""
from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.access import permission_required, require
from ..core.errors import ValidationError
from ..core.form_messages import show_error
from ..core.requests import page_arg
from ..extensions import db
from . import services as unit_services

PER_PAGE = 50


def listing(query, per_page: int = PER_PAGE):
    """One page (?page=) of the list `query`; a page past the end is empty, not a 404."""
    return db.paginate(query, page=page_arg(), per_page=per_page, error_out=False)


def filter_unit():
    """The unit a listing is narrowed to (?unit=CODE), or None."""
    code = (request.args.get("unit") or "").strip()
    return unit_services.get_unit(code) if code else None


def form_unit(form):
    """The unit the form's unit_id names, which the user must manage (None when the form names
    none: its validation then fails)."""
    if form.unit_id.data is None:
        return None
    unit = unit_services.get_unit_by_id(form.unit_id.data)
    require("manage", unit)
    return unit


def save_form(form, write: Callable[[], object]):
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


def form_page(form, template: str, save: Callable, *, saved: Callable[[object], str],
              back: str, **context):
    """GET: the form. POST: `save(unit)` with the unit the form names (see form_unit; None for
    a form without one), then commit, flash `saved(result)` and go to the `back` endpoint."""
    if request.method != "POST":
        return render_template(template, form=form, **context)
    unit = form_unit(form) if "unit_id" in form else None
    result = save_form(form, lambda: save(unit))
    if result is None:
        return render_template(template, form=form, **context), 422
    db.session.commit()
    flash(saved(result), "success")
    return redirect(url_for(back))


def toggle_active(obj, set_active: Callable, *, on: str, off: str, back: str):
    """The list's button: `set_active(actor, obj, active)` from the posted active=1/0 (the
    service authorises, audits and may refuse), commit, flash `on` or `off`, back to the list."""
    active = request.form.get("active") == "1"
    set_active(current_user, obj, active)
    db.session.commit()
    flash(on if active else off, "success")
    return redirect(url_for(back))


class ManagedPages:
    """The new, edit and stop/resume routes of one kind of managed thing, registered on `bp`
    as `<prefix>/new`, `<prefix>/<int:ID>/edit` and `<prefix>/<int:ID>/active` under the
    endpoint names given. `get(actor, id)` finds the thing the actor manages (else 403/404);
    `create(form, unit)`, `update(thing, form, unit)` and `set_active(actor, thing, active)`
    are the domain's services; `texts` words what happened, each a function of the thing
    (created, saved, resumed, stopped)."""

    def __init__(self, bp, prefix: str, *, name: str, form: Callable, template: str, back: str,
                 get: Callable, create: Callable, update: Callable, set_active: Callable,
                 texts: dict[str, Callable], endpoints: tuple[str, str, str] = ("create", "edit", "set_active"),
                 permission: str = "manage"):
        self.name, self.form, self.template, self.back = name, form, template, back
        self.get, self.create, self.update, self.set_active = get, create, update, set_active
        self.texts = texts
        new, edit, active = endpoints
        guard = permission_required(permission)
        bp.add_url_rule(f"{prefix}/new", new, guard(self.new_page), methods=["GET", "POST"])
        bp.add_url_rule(f"{prefix}/<int:{name}_id>/edit", edit, guard(self.edit_page),
                        methods=["GET", "POST"])
        bp.add_url_rule(f"{prefix}/<int:{name}_id>/active", active, guard(self.active_button),
                        methods=["POST"])

    def new_page(self):
        form = self.form(None)
        return form_page(form, self.template, lambda unit: self.create(form, unit),
                         saved=self.texts["created"], back=self.back, **{self.name: None})

    def edit_page(self, **ids):
        thing = self.get(current_user, ids[f"{self.name}_id"])
        form = self.form(thing)
        return form_page(form, self.template, lambda unit: self.update(thing, form, unit),
                         saved=self.texts["saved"], back=self.back, **{self.name: thing})

    def active_button(self, **ids):
        thing = self.get(current_user, ids[f"{self.name}_id"])
        return toggle_active(thing, self.set_active, back=self.back,
                             on=self.texts["resumed"](thing), off=self.texts["stopped"](thing))
