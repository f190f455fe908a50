"""The endpoint inventory as a file: unit admins export their subtree's endpoints as CSV or
Excel with Vietnamese headers, and import the same layout back.

An import is planned first: every row is checked with the rules of the form (unit within
reach, name, host inside the probe networks, port, protocol, dates) and matched to an existing
endpoint by unit code and name (a match is updated, anything else is created; endpoints the
file leaves out are kept). The plan is shown with each error next to its row number, and it is
written only when no row has an error, through the same services as the form (audited, and
dated so the wards' past coverage stays what it was).
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from ..core.errors import ValidationError
from ..extensions import db
from ..units.models import Unit
from . import services
from .models import PROTOCOLS, Endpoint

COLUMNS = (
    ("unit", _l("Mã đơn vị")),
    ("name", _l("Tên điểm cầu")),
    ("host", _l("Địa chỉ")),
    ("port", _l("Cổng")),
    ("protocol", _l("Giao thức")),
    ("wan_connected_on", _l("Kết nối mạng diện rộng từ ngày")),
    ("vc_deployed_on", _l("Có hội nghị truyền hình từ ngày")),
)
PROTOCOL_NAMES = {"sip": "SIP", "h323": "H.323", "webrtc": "WebRTC"}
MAX_ROWS = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [str(title) for _key, title in COLUMNS]


# -- export -------------------------------------------------------------------------------------
def export_endpoints(actor, unit: Unit | None = None) -> list[Endpoint]:
    return [e for e in services.list_endpoints(actor, unit=unit, permission="manage") if e.active]


def _row(endpoint: Endpoint) -> list:
    return [endpoint.unit.code, endpoint.name, endpoint.host or "", endpoint.port,
            PROTOCOL_NAMES[endpoint.protocol], endpoint.wan_connected_on, endpoint.vc_deployed_on]


def _text(value: str) -> str:
    # a name typed as "=HYPERLINK(...)" must stay text in Excel (OWASP CSV injection)
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(endpoints: list[Endpoint]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    for endpoint in endpoints:
        writer.writerow([
            "" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, date)
            else _text(v) if isinstance(v, str) else v for v in _row(endpoint)])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def to_xlsx(endpoints: list[Endpoint]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Điểm cầu"
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for endpoint in endpoints:
        sheet.append(_row(endpoint))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    for letter, width in zip("ABCDEFG", (12, 40, 20, 8, 10, 16, 16)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- reading a file -----------------------------------------------------------------------------
def _bad_file(message: str) -> ValidationError:
    return ValidationError(message, {"field": "file", "fields": {"file": message}})


def _records(table: list[list]) -> list[tuple[int, dict]]:
    """(row number as the user sees it, {column: raw value}) after checking the header row."""
    if not table:
        raise _bad_file(_("Tệp không có dữ liệu."))
    found = [str(h or "").strip().lstrip("\ufeff") for h in table[0]]
    expected = headers()
    if [h.lower() for h in found[:len(expected)]] != [h.lower() for h in expected]:
        raise _bad_file(_("Dòng tiêu đề phải là: %(headers)s.", headers="; ".join(expected)))
    records = []
    for number, cells in enumerate(table[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        cells = list(cells) + [None] * (len(expected) - len(cells))
        records.append((number, {key: cells[i] for i, (key, _t) in enumerate(COLUMNS)}))
    if len(records) > MAX_ROWS:
        raise _bad_file(_("Tệp có quá %(n)d dòng.", n=MAX_ROWS))
    return records


def read_file(filename: str, data: bytes) -> list[tuple[int, dict]]:
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise _bad_file(_("Không đọc được tệp Excel (.xlsx).")) from None
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _bad_file(_("Tệp CSV phải được lưu với bảng mã UTF-8.")) from None
        try:
            table = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            raise _bad_file(_("Không đọc được tệp CSV.")) from None
    else:
        raise _bad_file(_("Chỉ nhận tệp .csv hoặc .xlsx."))
    return _records(table)


# -- planning and writing -----------------------------------------------------------------------
@dataclass
class PlannedRow:
    number: int
    unit_code: str
    values: dict
    action: str = "create"  # create, update or unchanged
    endpoint_id: int | None = None
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in self.values.items()}
        return {"number": self.number, "unit": self.unit_code, "values": values}


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_START:
        text = text[1:]  # what the export wrote to keep a formula-like name as text
    return text or None


def _parse_date(value, label: str, errors: list[str]) -> date | None:
    if value is None or isinstance(value, (date, datetime)):
        return value.date() if isinstance(value, datetime) else value
    text = _cell_text(value)
    if text is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.append(_("%(column)s: \"%(value)s\" không phải ngày (dd/mm/yyyy).", column=label,
                    value=text))
    return None


def _parse_port(value, errors: list[str]) -> int | None:
    text = _cell_text(value)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        errors.append(_("Cổng: \"%(value)s\" không phải số.", value=text))
        return None


def _parse_protocol(value, errors: list[str]) -> str | None:
    text = _cell_text(value) or "sip"
    code = text.lower().replace(".", "")
    if code in PROTOCOLS:
        return code
    errors.append(_("Giao thức: \"%(value)s\" không hợp lệ (SIP, H.323 hoặc WebRTC).", value=text))
    return None


def plan_import(actor, records: list[tuple[int, dict]], today: date) -> list[PlannedRow]:
    """Check every row; nothing is written."""
    labels = dict(COLUMNS)
    units: dict[str, Unit | None] = {}
    seen: dict[tuple, int] = {}
    planned = []
    for number, raw in records:
        errors: list[str] = []
        code = _cell_text(raw["unit"]) or ""
        if code not in units:
            units[code] = Unit.by_code(code, today) if code else None
        unit = units[code]
        if unit is None:
            errors.append(_("Không có đơn vị mã \"%(code)s\".", code=code) if code
                          else _("Thiếu mã đơn vị."))
        elif not unit.can_manage(actor):
            errors.append(_("Đơn vị %(code)s nằm ngoài phạm vi quản lý của bạn.", code=code))
        values = {"name": _cell_text(raw["name"]), "host": _cell_text(raw["host"]),
                  "port": _parse_port(raw["port"], errors),
                  "protocol": _parse_protocol(raw["protocol"], errors),
                  "wan_connected_on": _parse_date(raw["wan_connected_on"],
                                                  str(labels["wan_connected_on"]), errors),
                  "vc_deployed_on": _parse_date(raw["vc_deployed_on"],
                                                str(labels["vc_deployed_on"]), errors)}
        row = PlannedRow(number, code, values, errors=errors)
        if not errors:
            try:
                row.values = services.clean_values(values)
            except ValidationError as err:
                errors.append(err.message)
        key = (code, (values["name"] or "").casefold())
        if key in seen:
            errors.append(_("Trùng với dòng %(n)d (cùng đơn vị và tên điểm cầu).", n=seen[key]))
        seen.setdefault(key, number)
        if unit is not None and not errors:
            _match(row, unit)
        planned.append(row)
    return planned


def _match(row: PlannedRow, unit: Unit) -> None:
    existing = db.session.scalars(sa.select(Endpoint).where(
        Endpoint.unit_id == unit.id, sa.func.lower(Endpoint.name) == row.values["name"].lower(),
        Endpoint.active.is_(True)).order_by(Endpoint.id).limit(1)).first()
    if existing is None:
        return
    row.endpoint_id = existing.id
    current = {k: getattr(existing, k) for k in row.values}
    row.action = "unchanged" if current == row.values else "update"


def from_json(rows: list) -> list[tuple[int, dict]]:
    """The planned rows the preview form sent back, as records to plan again (the check is
    repeated: the form is the user's to change)."""
    if not isinstance(rows, list):
        raise _bad_file(_("Dữ liệu xác nhận không hợp lệ."))
    records = []
    for item in rows:
        if not isinstance(item, dict) or not isinstance(item.get("values"), dict):
            raise _bad_file(_("Dữ liệu xác nhận không hợp lệ."))
        values, number = item["values"], item.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            raise _bad_file(_("Dữ liệu xác nhận không hợp lệ."))
        records.append((number, {
            "unit": item.get("unit"), **{k: values.get(k) for k, _t in COLUMNS if k != "unit"}}))
    return records


def apply_import(actor, planned: list[PlannedRow], today: date) -> dict:
    """Write a plan without errors: creations and updates through the form's services."""
    if any(row.errors for row in planned):
        raise ValidationError(_("Tệp còn lỗi: không ghi dữ liệu nào."))
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for row in planned:
        unit = Unit.by_code(row.unit_code, today)
        if row.action == "create":
            services.create_endpoint(actor, unit, row.values)
        elif row.action == "update":
            services.update_endpoint(actor, db.session.get(Endpoint, row.endpoint_id), unit,
                                     row.values)
        counts[row.action] += 1
    return counts
