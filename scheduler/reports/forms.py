from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.form_fields import LocalDateField, LocalDecimalField
from ..core.labels import choices


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TargetForm(FlaskForm):
    name = StringField(_l("Tên chỉ tiêu"), validators=[DataRequired(), Length(max=300)])
    categories = MultiCheckboxField(_l("Loại cuộc họp được tính"), choices={})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = dict(choices("category"))


class ThresholdForm(FlaskForm):
    year = IntegerField(_l("Năm"), validators=[DataRequired(), NumberRange(2000, 2100)])
    percent = LocalDecimalField(_l("Ngưỡng (%)"), places=1,
                           validators=[InputRequired(), NumberRange(0, 100)])


class FactForm(FlaskForm):
    ward = SelectField(_l("Phường, xã"), choices={}, validators=[DataRequired()])
    fact = SelectField(_l("Loại kết nối"), choices={})
    value = SelectField(_l("Trạng thái"), choices={})
    effective_on = LocalDateField(_l("Có hiệu lực từ ngày (dd/mm/yyyy)"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # plain strings: WTForms takes a {value: label} dict of str without deprecation warnings
        self.fact.choices = {"wan": _("Mạng diện rộng (WAN)"), "vc": _("Hệ thống hội nghị truyền hình")}
        self.value.choices = {"1": _("Đã kết nối / đã triển khai"),
                              "0": _("Mất kết nối / ngừng hoạt động")}
