"""Vietnamese wording for WTForms' built-in messages.

WTForms ships no Vietnamese catalog, so a field that cannot parse its input ("abc" in a number
box) would answer in English. Forms that derive from `Form` get these messages instead; the
msgids are Vietnamese like the rest of the interface, so the English catalog covers them too.
"""
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def _messages() -> dict[str, str]:
    return {
        "This field is required.": _("Trường này là bắt buộc."),
        "Invalid input.": _("Giá trị không hợp lệ."),
        "Invalid email address.": _("Địa chỉ e-mail không hợp lệ."),
        "Not a valid integer value.": _("Giá trị phải là số nguyên."),
        "Not a valid decimal value.": _("Giá trị phải là số."),
        "Not a valid float value.": _("Giá trị phải là số."),
        "Not a valid date value.": _("Ngày không hợp lệ (dd/mm/yyyy)."),
        "Not a valid time value.": _("Giờ không hợp lệ (HH:MM)."),
        "Not a valid datetime value.": _("Ngày giờ không hợp lệ."),
        "Not a valid choice.": _("Lựa chọn không hợp lệ."),
        "Invalid Choice: could not coerce.": _("Lựa chọn không hợp lệ."),
        "Number must be at least %(min)s.": _("Giá trị phải từ %(min)s trở lên."),
        "Number must be at most %(max)s.": _("Giá trị không được lớn hơn %(max)s."),
        "Number must be between %(min)s and %(max)s.": _("Giá trị phải từ %(min)s đến %(max)s."),
        "Field must be between %(min)d and %(max)d characters long.":
            _("Độ dài phải từ %(min)d đến %(max)d ký tự."),
        "Field must be equal to %(other_name)s.": _("Giá trị nhập lại không khớp."),
        "The CSRF token is missing.": _("Phiên làm việc đã hết hạn, vui lòng gửi lại biểu mẫu."),
        "The CSRF token is invalid.": _("Phiên làm việc đã hết hạn, vui lòng gửi lại biểu mẫu."),
        "The CSRF token has expired.": _("Phiên làm việc đã hết hạn, vui lòng gửi lại biểu mẫu."),
        "The CSRF tokens do not match.": _("Phiên làm việc đã hết hạn, vui lòng gửi lại biểu mẫu."),
    }


class VietnameseMessages:
    def gettext(self, string):
        return _messages().get(string, string)

    def ngettext(self, singular, plural, n):
        # Vietnamese has no plural forms; WTForms fills in %(min)d / %(max)d afterwards.
        if singular.startswith("Field must be at least"):
            return _("Cần ít nhất %(min)d ký tự.")
        if singular.startswith("Field cannot be longer"):
            return _("Tối đa %(max)d ký tự.")
        if singular.startswith("Field must be exactly"):
            return _("Cần đúng %(max)d ký tự.")
        return singular if n == 1 else plural


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages read in Vietnamese."""

    class Meta:
        def get_translations(self, form):
            return VietnameseMessages()


def show_error(form, err) -> list[str]:
    """Put a service's ValidationError next to the fields it names — details["fields"] as
    {field: message} (the one 422 shape), or details["field"] — and at the top of the form
    what belongs to no field of it. Forms name their fields as the services do, so no table
    translates between them. Returns the messages put at the top."""
    details = err.details or {}
    fields = details.get("fields") or ({details["field"]: err.message} if details.get("field") else {})
    general = []
    for name, message in fields.items():
        field = form._fields.get(name)
        if field is None or field.type in ("HiddenField", "CSRFTokenField"):
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    if not fields:
        general.append(err.message)
    form.form_errors.extend(general)
    return general


def run_flashed(action, done: str, refusals: tuple) -> bool:
    """Run one service call of a page's button: commit and flash `done`, or, when the service
    refuses (one of `refusals`), roll back and flash its message with every field's."""
    from flask import flash

    from ..extensions import db

    try:
        action()
    except refusals as err:
        db.session.rollback()
        fields = (err.details or {}).get("fields") or {}
        flash(" ".join([err.message, *map(str, fields.values())]), "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]
