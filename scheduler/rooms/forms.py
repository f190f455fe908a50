from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.form_fields import ClockField
from ..core.form_messages import Form


class RoomForm(Form):
    # Choices are the units the user manages; a unit outside them is refused by the service
    # with a 403 rather than silently by the form, so that the refusal is visible and tested.
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validate_choice=False,
                          validators=[InputRequired()])
    name = StringField(_l("Tên phòng họp"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(_l("Sức chứa (người)"), default=0,
                            validators=[InputRequired(message=_l("Cần nhập sức chứa.")),
                                        NumberRange(min=0, max=10000)])
    paperless = BooleanField(_l("Phòng họp không giấy tờ"))
    has_endpoint = BooleanField(_l("Có điểm cầu hội nghị truyền hình"))
    requires_approval = BooleanField(_l("Đặt phòng cần phê duyệt"))
    open_from = ClockField(_l("Mở cửa từ (HH:MM)"), validators=[Optional()])
    open_until = ClockField(_l("Đến (HH:MM)"), validators=[Optional()])
    max_duration_minutes = IntegerField(_l("Thời lượng tối đa mỗi cuộc họp (phút)"),
                                        validators=[Optional(), NumberRange(min=1, max=24 * 60)])
    max_advance_days = IntegerField(_l("Đặt trước tối đa (ngày)"),
                                    validators=[Optional(), NumberRange(min=1, max=3650)])

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "name", "capacity", "paperless", "has_endpoint", "requires_approval", "open_from",
            "open_until", "max_duration_minutes", "max_advance_days")}
