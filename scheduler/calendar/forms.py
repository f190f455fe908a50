from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from ..core.form_messages import Form


class ImportForm(Form):
    file = FileField(_l("Tệp lịch (.ics)"), validators=[FileRequired(_l("Hãy chọn một tệp .ics."))],
                     description=_l("Xuất từ Outlook, Google Calendar, Thunderbird… Mỗi sự kiện "
                                    "trong tệp thành một cuộc họp của đơn vị bạn."))
