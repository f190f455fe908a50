"""Forms of the user-management pages."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from ..core.access import role_holds
from ..core.form_messages import Form, select_choices
from ..core.labels import choices
from .services import MIN_PASSWORD_LENGTH


def role_choices(actor):
    # unit admins are not offered the admin role (the service refuses it with a 403 anyway)
    return select_choices((code, text) for code, text in choices("role")
                          if not role_holds(code, "administer")
                          or role_holds(actor.role, "administer"))


class _UserFields(Form):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=200)])
    # Both selects accept any value: a role or unit beyond the actor's rights is refused by the
    # service with a 403, which the access tests check, rather than as a form error.
    role = SelectField(_l("Vai trò"), validate_choice=False)
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validate_choice=False,
                          validators=[InputRequired()])


class _PasswordFields(Form):
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[
        DataRequired(), EqualTo("password", message=_l("Mật khẩu nhập lại không khớp."))])


class UserCreateForm(_UserFields, _PasswordFields):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)],
                           description=_l("Chữ không dấu, số và dấu . _ -"))


class UserEditForm(_UserFields):
    pass


class ResetPasswordForm(_PasswordFields):
    pass
