from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.form_fields import LocalDateField
from ..core.form_messages import Form, select_choices
from ..core.labels import choices


class EndpointForm(Form):
    # A unit outside the user's reach is refused by the service with a 403, not by the form.
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validate_choice=False,
                          validators=[InputRequired()])
    name = StringField(_l("Tên điểm cầu"), validators=[DataRequired(), Length(max=200)])
    host = StringField(_l("Địa chỉ (tên miền hoặc IP)"), validators=[Optional(), Length(max=255)])
    port = IntegerField(_l("Cổng"), validators=[Optional(), NumberRange(min=1, max=65535)])
    protocol = SelectField(_l("Giao thức"), choices=select_choices(choices("protocol")))
    wan_connected_on = LocalDateField(_l("Ngày kết nối mạng diện rộng (dd/mm/yyyy)"),
                                      validators=[Optional()])
    vc_deployed_on = LocalDateField(_l("Ngày triển khai hội nghị truyền hình (dd/mm/yyyy)"),
                                    validators=[Optional()])

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "name", "host", "port", "protocol", "wan_connected_on", "vc_deployed_on")}
