"""The booking form: what people type, turned into the data the booking service takes.

Dates are typed dd/mm/yyyy and times HH:MM (24-hour) in text inputs, because the browser's own
date and time pickers follow the operating system's locale (AM/PM, mm/dd) rather than the
Vietnamese conventions offices use.
"""
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError as WTFValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.form_fields import ClockField, LocalDateField, parse_local_date
from ..core.form_messages import Form
from ..core.labels import LABELS
from ..core.timeutil import LOCAL_TZ, UTC

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_LABELS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"),
                  _l("Thứ Bảy"), _l("Chủ Nhật"))
REPEATS = (
    ("none", _l("Không lặp lại")),
    ("weekly", _l("Hằng tuần (hoặc N tuần một lần) vào các thứ đã chọn")),
    ("monthly_date", _l("Hằng tháng theo ngày")),
    ("monthly_weekday", _l("Hằng tháng vào một ngày trong tuần (ví dụ: Thứ Hai đầu tiên của tháng)")),
)
# "thứ hai" (and "thứ 2") also means Monday: the ordinal is said as "lần 2", never "thứ 2"
SETPOS = (("1", _l("Lần đầu tiên trong tháng")), ("2", _l("Lần 2 trong tháng")),
          ("3", _l("Lần 3 trong tháng")), ("4", _l("Lần 4 trong tháng")),
          ("-1", _l("Lần cuối cùng trong tháng")))


def options(pairs) -> list[SelectChoice]:
    """Choices as WTForms wants them; labels stay lazy so each request sees its own language."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: each is a focusable control with its own label."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(Form):
    """The fields carry the booking service's names (start, end, rrule…): what the service
    refuses lands on the field that was typed, and lengths, times and rules are checked once,
    by the service, for the form and the API alike (meetings/inputs.py). The form itself only
    reads dd/mm/yyyy and HH:MM and turns the recurrence controls into an RRULE."""
    title = StringField(_l("Tên cuộc họp"))
    category = SelectField(_l("Loại cuộc họp"), choices=options(LABELS["category"].items()))
    host_unit = SelectField(_l("Đơn vị chủ trì"), validators=[DataRequired()])
    chair = StringField(_l("Người chủ trì"))
    day = LocalDateField(_l("Ngày họp (dd/mm/yyyy)"),
                         validators=[InputRequired(message=_l("Nhập ngày theo dạng dd/mm/yyyy."))])
    start = ClockField(_l("Bắt đầu (HH:MM)"),
                       validators=[InputRequired(message=_l("Nhập giờ theo dạng HH:MM."))])
    end = ClockField(_l("Kết thúc (HH:MM)"),
                     validators=[InputRequired(message=_l("Nhập giờ theo dạng HH:MM."))])
    mode = SelectField(_l("Hình thức"), choices=options(LABELS["mode"].items()))
    paperless = BooleanField(_l("Họp không giấy tờ"))
    rooms = SelectMultipleField(_l("Phòng họp"), coerce=int, validate_choice=True)
    participants = MultiCheckboxField(_l("Đơn vị tham dự"))
    agenda = TextAreaField(_l("Nội dung, chương trình"))
    # the meeting's version the form was filled from: saving over someone else's change is refused
    version = HiddenField()
    conclusion = TextAreaField(_l("Kết luận"), description=_l("Kết luận của cuộc họp, ghi sau khi họp."))
    # the kind of repetition; with the controls below it becomes the RRULE (build_rrule)
    rrule = SelectField(_l("Kiểu lặp lại"), choices=options(REPEATS), default="none")
    interval = IntegerField(_l("Mỗi N tuần/tháng"), default=1,
                            validators=[Optional(), NumberRange(min=1, max=52)])
    weekdays = MultiCheckboxField(_l("Vào các thứ"),
                                  choices=options(zip(WEEKDAY_CODES, WEEKDAY_LABELS)))
    setpos = SelectField(_l("Lần trong tháng"), choices=options(SETPOS), default="1")
    setpos_weekday = SelectField(_l("Ngày trong tuần"), choices=options(zip(WEEKDAY_CODES, WEEKDAY_LABELS)))
    until = LocalDateField(_l("Đến ngày (dd/mm/yyyy)"), validators=[Optional()])
    count = IntegerField(_l("Hoặc số lần họp"), validators=[Optional(), NumberRange(min=1, max=200)])
    skip_holidays = BooleanField(_l("Bỏ qua các ngày nghỉ lễ"),
                                 description=_l("Các buổi rơi vào ngày nghỉ lễ được liệt kê để xác nhận trước khi đặt."))
    holiday_override_reason = StringField(_l("Lý do họp vào ngày nghỉ, ngày lễ"))

    def validate_day(self, field):
        if field.data and not 1900 <= field.data.year <= 2999:
            raise WTFValidationError(str(_l("Ngày không hợp lệ (dd/mm/yyyy).")))

    def validate_weekdays(self, field):
        if self.rrule.data == "weekly" and not field.data:
            raise WTFValidationError(str(_l("Chọn ít nhất một thứ trong tuần.")))

    def validate_count(self, field):
        if self.rrule.data != "none" and not field.data and not self.until.data:
            raise WTFValidationError(str(_l("Chọn ngày kết thúc hoặc số lần họp của chuỗi cuộc họp.")))

    def validate_until(self, field):
        if field.data and field.data.year > 2999:
            raise WTFValidationError(str(_l("Ngày không hợp lệ (dd/mm/yyyy).")))
        if field.data and self.day.data and field.data < self.day.data:
            raise WTFValidationError(str(_l("Ngày kết thúc chuỗi phải từ ngày họp đầu tiên trở đi.")))

    # -- to and from the service's data ---------------------------------------------------
    def interval_bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.day.data, self.start.data, LOCAL_TZ)
        end = datetime.combine(self.day.data, self.end.data, LOCAL_TZ)
        return start.astimezone(UTC), end.astimezone(UTC)

    def to_data(self) -> dict:
        start, end = self.interval_bounds()
        return {
            "title": (self.title.data or "").strip(),
            "category": self.category.data,
            "host_unit": self.host_unit.data,
            "chair": (self.chair.data or "").strip(),
            "start": start,
            "end": end,
            "mode": self.mode.data,
            "paperless": bool(self.paperless.data),
            "rooms": list(self.rooms.data or []),
            "participants": list(self.participants.data or []),
            "agenda": self.agenda.data or "",
            "conclusion": self.conclusion.data or "",
            "rrule": build_rrule(self),
            "skip_dates": [],
            "skip_holidays": bool(self.skip_holidays.data) and self.rrule.data != "none",
            "holiday_override_reason": (self.holiday_override_reason.data or "").strip() or None,
        }

    def fill_from(self, meeting) -> None:
        """Pre-fill the form for editing an existing meeting."""
        self.version.data = str(meeting.version)
        start, end = meeting.start_at.astimezone(LOCAL_TZ), meeting.end_at.astimezone(LOCAL_TZ)
        self.title.data, self.category.data = meeting.title, meeting.category
        self.host_unit.data, self.chair.data = meeting.host_unit.code, meeting.chair
        self.day.data, self.start.data, self.end.data = start.date(), start.time(), end.time()
        self.mode.data, self.paperless.data = meeting.mode, meeting.paperless
        self.rooms.data = [room.id for room in meeting.rooms]
        self.participants.data = [unit.code for unit in meeting.participants]
        self.agenda.data = meeting.agenda
        self.conclusion.data = meeting.conclusion
        self.holiday_override_reason.data = meeting.holiday_override_reason
        fill_recurrence(self, meeting.rrule)


def build_rrule(form: MeetingForm) -> str | None:
    """The RFC 5545 RRULE of what the recurrence controls say, or None for a single meeting."""
    repeat = form.rrule.data
    if repeat == "none":
        return None
    interval = form.interval.data or 1
    if repeat == "weekly":
        parts = ["FREQ=WEEKLY", f"INTERVAL={interval}",
                 "BYDAY=" + ",".join(d for d in WEEKDAY_CODES if d in form.weekdays.data)]
    elif repeat == "monthly_date":
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYMONTHDAY={form.day.data.day}"]
    else:
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}",
                 f"BYDAY={form.setpos_weekday.data}", f"BYSETPOS={form.setpos.data}"]
    if form.count.data:
        parts.append(f"COUNT={form.count.data}")
    elif form.until.data:
        # UNTIL in UTC at the end of the chosen local day, so that day's meeting is included
        last = datetime.combine(form.until.data + timedelta(days=1), time(0), LOCAL_TZ)
        parts.append("UNTIL=" + (last.astimezone(UTC) - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def fill_recurrence(form: MeetingForm, rrule: str | None) -> None:
    """Set the recurrence controls from an RRULE written by `build_rrule`."""
    if not rrule:
        form.rrule.data = "none"
        return
    parts = dict(p.split("=", 1) for p in rrule.upper().removeprefix("RRULE:").split(";") if "=" in p)
    form.interval.data = int(parts.get("INTERVAL", "1") or 1)
    if parts.get("FREQ") == "WEEKLY":
        form.rrule.data = "weekly"
        form.weekdays.data = [d for d in parts.get("BYDAY", "").split(",") if d in WEEKDAY_CODES]
    elif "BYSETPOS" in parts:
        form.rrule.data = "monthly_weekday"
        form.setpos.data, form.setpos_weekday.data = parts["BYSETPOS"], parts.get("BYDAY", "MO")[-2:]
    else:
        form.rrule.data = "monthly_date"
    if "COUNT" in parts:
        form.count.data = int(parts["COUNT"])
    elif "UNTIL" in parts:
        stamp = parts["UNTIL"]
        try:
            moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            form.until.data = moment.astimezone(LOCAL_TZ).date()
        except ValueError:  # a date-only UNTIL written by another client
            form.until.data = datetime.strptime(stamp[:8], "%Y%m%d").date()


def parse_day(value: str | None) -> date | None:
    """A day from a query string: ISO (yyyy-mm-dd) from links, dd/mm/yyyy from people."""
    return parse_local_date(value) if value else None


class CancelForm(Form):
    reason = StringField(_l("Lý do"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(Form):
    reason = StringField(_l("Ghi chú, lý do"), validators=[Optional(), Length(max=500)])


class MoveOccurrenceForm(Form):
    day = LocalDateField(_l("Ngày mới (dd/mm/yyyy)"),
                         validators=[InputRequired(message=_l("Nhập ngày theo dạng dd/mm/yyyy."))])
    start = ClockField(_l("Bắt đầu (HH:MM)"),
                       validators=[InputRequired(message=_l("Nhập giờ theo dạng HH:MM."))])
    end = ClockField(_l("Kết thúc (HH:MM)"),
                     validators=[InputRequired(message=_l("Nhập giờ theo dạng HH:MM."))])


class RestoreForm(Form):
    """Take back a date of the series skipped at booking (its original start, ISO UTC)."""
    original_start = StringField(_l("Buổi đã bỏ"), validators=[DataRequired(), Length(max=40)])


class HeldModeForm(Form):
    mode = SelectField(_l("Hình thức đã họp thực tế"), choices=options(LABELS["mode"].items()))
