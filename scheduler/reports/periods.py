"""Reporting periods: calendar month, quarter, half-year and year, a custom range, and the
statutory periods of Decree 09/2019/NĐ-CP (a reporting month runs from the 15th of the previous
month to the 14th of the month; quarters, halves and years likewise, a year from 15 December to
14 December)."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from ..core.errors import ValidationError
from ..core.requests import day_arg, int_arg

KINDS = ("month", "quarter", "half", "year", "nd09-month", "nd09-quarter", "nd09-half",
         "nd09-year", "custom")
# How many months each kind spans, and how its number (month, q, h) maps to its last month.
_SPAN = {"month": 1, "quarter": 3, "half": 6, "year": 12}
MAX_DAYS = 3 * 366
YEARS = range(1990, 2101)  # the years the statutory periods cover


@dataclass(frozen=True)
class Period:
    """The local dates start..end, both inclusive."""
    kind: str
    start: date
    end: date
    number: int | None = None  # month, quarter or half within `year`
    year: int | None = None

    @property
    def months(self) -> list[tuple[int, int]]:
        """Calendar months the period touches, in order."""
        result, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            result.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return result

    @property
    def buckets(self) -> list[tuple[str, date, date]]:
        """The months a trend is drawn by, as ("YYYY-MM", first day, last day) within the
        period: calendar months, or for the periods of Decree 09/2019 its reporting months
        (15th to 14th), each named by the month it ends in (Tháng 4 = 15/03 – 14/04)."""
        if self.kind.startswith("nd09-"):
            result, first = [], self.start
            while first <= self.end:
                y, m = _shift_month(first.year, first.month, 1)
                result.append((f"{y:04d}-{m:02d}", first, min(date(y, m, 14), self.end)))
                first = date(y, m, 15)
            return result
        return [(f"{y:04d}-{m:02d}", max(self.start, date(y, m, 1)), min(self.end, _month_end(y, m)))
                for y, m in self.months]

    def bucket(self, key: str) -> tuple[str, date, date] | None:
        return next((b for b in self.buckets if b[0] == key), None)

    @property
    def label(self) -> str:
        span = f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
        names = {
            "month": _("Tháng %(n)s/%(y)s", n=self.number, y=self.year),
            "quarter": _("Quý %(n)s/%(y)s", n=self.number, y=self.year),
            "half": _("6 tháng %(w)s năm %(y)s",
                      w=_("đầu") if self.number == 1 else _("cuối"), y=self.year),
            "year": _("Năm %(y)s", y=self.year),
        }
        base = self.kind.removeprefix("nd09-")
        if self.kind == "custom":
            return span
        text = names[base]
        if self.kind.startswith("nd09-"):
            text = _("%(name)s (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP)", name=text)
        return f"{text}: {span}"

    def query_args(self) -> dict:
        """The query arguments that select this period again (for links and exports)."""
        if self.kind == "custom":
            return {"start": self.start.isoformat(), "end": self.end.isoformat()}
        args = {"period": self.kind, "year": self.year}
        base = self.kind.removeprefix("nd09-")
        if base in ("month", "quarter", "half"):
            args[{"month": "month", "quarter": "q", "half": "h"}[base]] = self.number
        return args


def _month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def calendar_period(kind: str, year: int, number: int | None = None) -> Period:
    """A calendar month / quarter / half / year; `number` is the month, quarter or half."""
    span = _SPAN[kind]
    number = 1 if kind == "year" else number
    last_month = number * span
    first_month = last_month - span + 1
    return Period(kind, date(year, first_month, 1), _month_end(year, last_month), number, year)


def statutory_period(kind: str, year: int, number: int | None = None) -> Period:
    """The Decree 09 period ending on the 14th of the calendar period's last month and starting
    on the 15th of the month before its first month."""
    span = _SPAN[kind]
    number = 1 if kind == "year" else number
    last_month = number * span
    first_y, first_m = _shift_month(year, last_month - span + 1, -1)
    return Period(f"nd09-{kind}", date(first_y, first_m, 15), date(year, last_month, 14),
                  number, year)


def custom_period(start: date, end: date) -> Period:
    if end < start:
        raise ValidationError(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
                              {"field": "end"})
    if (end - start).days > MAX_DAYS:
        raise ValidationError(_("Khoảng thời gian báo cáo tối đa là 3 năm."), {"field": "end"})
    if start.year not in YEARS or end.year not in YEARS:
        raise ValidationError(_("Kỳ báo cáo phải nằm trong các năm 1990–2100."), {"field": "start"})
    return Period("custom", start, end)


def parse_period(args, today: date) -> Period:
    """The period a request asks for. Without arguments: the current calendar year."""
    if args.get("start") or args.get("end"):
        return custom_period(day_arg(args, "start", years=YEARS),
                             day_arg(args, "end", years=YEARS))
    kind = args.get("period") or "year"
    if kind not in KINDS or kind == "custom":
        raise ValidationError(_("Kỳ báo cáo không hợp lệ: %(kind)s.", kind=kind),
                              {"field": "period", "allowed": list(KINDS[:-1])})
    year = int_arg(args, "year", YEARS[0], YEARS[-1], today.year)
    base = kind.removeprefix("nd09-")
    number = None
    if base == "month":
        number = int_arg(args, "month", 1, 12, today.month)
    elif base == "quarter":
        number = int_arg(args, "q", 1, 4, (today.month - 1) // 3 + 1)
    elif base == "half":
        number = int_arg(args, "h", 1, 2, 1 if today.month <= 6 else 2)
    build = statutory_period if kind.startswith("nd09-") else calendar_period
    return build(base, year, number)
