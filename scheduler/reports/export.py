"""The targets report as an Excel workbook (one sheet per target) and as CSV (UTF-8 with a BOM so
that Excel shows the Vietnamese text correctly)."""
import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .periods import Period
from .services import Figure, TargetReport

# A text beginning with one of these is read as a formula by Excel and LibreOffice (a unit
# named "=HYPERLINK(...)" would become a live link or worse): OWASP's CSV-injection advice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value):
    """A CSV field that a spreadsheet shows as the text it is: a formula-like text gets a
    leading apostrophe; numbers, including negative ones, stay numbers."""
    return "'" + value if is_formula_like(value) else value


def _append(sheet, row: list) -> None:
    """Append a row; a formula-like text is stored as a text cell (openpyxl would otherwise
    store it as a formula) and marked quote-prefixed, so editing it keeps it text."""
    sheet.append(row)
    for cell, value in zip(sheet[sheet.max_row], row):
        if is_formula_like(value):
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True


def verdict(figure: Figure) -> str:
    if figure.met is None:
        return _("Chưa có dữ liệu") if figure.share is None else _("Chưa có chỉ tiêu")
    return _("Đạt") if figure.met else _("Không đạt")


def table_headers() -> list[str]:
    return [_("Mã đơn vị"), _("Đơn vị"), _("Tử số (trực tuyến / đạt)"), _("Mẫu số (tổng số)"),
            _("Tỷ lệ (%)"), _("Chỉ tiêu (%)"), _("Đánh giá"), _("Tỷ lệ kế hoạch (%)")]


def _row(code, name, figure: Figure, threshold) -> list:
    return [code, name, figure.numerator, figure.denominator, figure.share,
            None if threshold is None else float(threshold), verdict(figure), figure.planned_share]


def table_rows(scope, report: TargetReport) -> list[list]:
    """The scope's own line first, then one line per child unit."""
    rows = [_row(scope.code, scope.name, report.total, report.threshold)]
    rows += [_row(unit.code, unit.name, fig, report.threshold) for unit, fig in report.children]
    return rows


def _sheet_title(code: str, used: set) -> str:
    title = code[:31]
    while title in used:
        title = title[:28] + str(len(used))
    used.add(title)
    return title


def workbook(scope, period: Period, reports: list[TargetReport]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set = set()
    bold = Font(bold=True)
    below = PatternFill("solid", fgColor="F8D7DA")
    for report in reports:
        sheet = book.create_sheet(_sheet_title(report.target.code, used))
        _append(sheet, [report.target.name])
        sheet["A1"].font = Font(bold=True, size=13)
        _append(sheet, [_("Phạm vi"), f"{scope.name} ({scope.code})"])
        _append(sheet, [_("Kỳ báo cáo"), period.label])
        sheet.append([])
        sheet.append(table_headers())
        for cell in sheet[5]:
            cell.font = bold
        for row in table_rows(scope, report):
            _append(sheet, row)
            if row[6] == _("Không đạt"):
                for cell in sheet[sheet.max_row]:
                    cell.fill = below
        sheet.append([])
        sheet.append([_("Tháng"), _("Tử số"), _("Mẫu số"), _("Tỷ lệ (%)")])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for key, fig in report.trend:
            sheet.append([key, fig.numerator, fig.denominator, fig.share])
        for index, width in enumerate((14, 40, 22, 18, 12, 14, 18, 18), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(scope, period: Period, reports: list[TargetReport]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # None becomes an empty field (csv's own rule)
    writer.writerow([_("Mã chỉ tiêu"), _("Chỉ tiêu"), _("Kỳ báo cáo"), *table_headers()])
    for report in reports:
        for row in table_rows(scope, report):
            writer.writerow([csv_safe(v) for v in (report.target.code, report.target.name,
                                                   period.label, *row)])
    return buffer.getvalue().encode("utf-8-sig")
