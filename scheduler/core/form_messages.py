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


def show_error(form, err) -> None:
    """Put a service's ValidationError next to the field it names (details["field"]), or at
    the top of the form when it names none."""
    field = form._fields.get((err.details or {}).get("field") or "")
    if field is None:
        form.form_errors.append(err.message)
    else:
        field.errors = [*field.errors, err.message]


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]
