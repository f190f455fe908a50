"""Date and time fields in the offices' own conventions, whatever the browser's locale:
dates typed dd/mm/yyyy in a text box (with the page's own picker, static/datepicker.js, which
follows the interface language), times on the 24-hour clock, "14:30" or "14h30" alike."""
import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, Field
from wtforms.widgets import TextInput

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")  # what people type first; ISO from links and the API
YEARS = range(1900, 3000)  # the years calendars can show; beyond them the zone arithmetic overflows
# 14:30 · 14h30 · 14h · 14g30 (giờ) · 14.30 · 1430 · 9:05
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*(?:[:hHgG.]\s*(\d{2})?|(\d{2}))?\s*$")


def parse_clock(text: str | None) -> time | None:
    """A 24-hour time from what people type, or None when it is not one."""
    match = _CLOCK.match(text or "")
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_local_date(text: str | None, years: range = YEARS) -> date | None:
    """A day typed dd/mm/yyyy (or ISO), within `years` (the years calendars can show); else
    None."""
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
        return day if day.year in years else None
    return None


class LocalDateField(DateField):
    """dd/mm/yyyy in a text box marked for the date picker."""
    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", list(DATE_FORMATS))
        render_kw = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
                     "data-datepicker": ""}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)


class ClockField(Field):
    """A 24-hour time in a text box; "14h30" is read as 14:30."""
    widget = TextInput()

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        render_kw = {"placeholder": "HH:MM", "inputmode": "numeric", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.message = message or _l("Giờ không hợp lệ (HH:MM).")

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        self.data = parse_clock(valuelist[0])
        if self.data is None:
            raise ValueError(str(self.message))


class LocalDecimalField(DecimalField):
    """A decimal typed with a comma ("77,9", Vietnamese) or a point ("77.9")."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)
