"""The endpoint inventory as CSV and Excel: export, import with a row-numbered preview, all or
nothing, audited and dated."""
import csv
import io
import json
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.core.timeutil import today_local
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.reports import coverage

HEADERS = ["Mã đơn vị", "Tên điểm cầu", "Địa chỉ", "Cổng", "Giao thức",
           "Kết nối mạng diện rộng từ ngày", "Có hội nghị truyền hình từ ngày"]


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese text right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def write_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, name, body):
    return client.post("/endpoints/import", data={"file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def confirm(client, preview_html):
    payload = re.search(r'name="rows" value="([^"]*)"', preview_html).group(1)
    import html
    return client.post("/endpoints/import/confirm", data={"rows": html.unescape(payload)})


def snapshot():
    db.session.rollback()
    return sorted(db.session.execute(sa.select(
        Endpoint.unit_id, Endpoint.name, Endpoint.host, Endpoint.port, Endpoint.protocol,
        Endpoint.wan_connected_on, Endpoint.vc_deployed_on)).all())


def audit_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "endpoint"))


def test_csv_round_trip_updates_creates_and_keeps(tree, client, auth):
    auth.login("qt_badinh")
    exported = client.get("/endpoints/export.csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    rows = read_csv(exported.data)
    assert rows[0] == HEADERS
    assert sorted(r[0] for r in rows[1:]) == ["00001", "00004", "001"]  # Ba Đình's subtree only
    phuc_xa = next(r for r in rows if r[0] == "00001")
    assert phuc_xa[2:] == ["127.0.0.2", "5060", "SIP", "01/01/2018", "01/01/2019"]

    phuc_xa[2] = "127.0.0.9"                                   # a new address
    rows.append(["00004", "Điểm cầu hội trường", "127.0.4.4", "1720", "H.323", "15/03/2020", ""])
    preview = upload(client, "diem-cau.csv", write_csv(rows))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-testid="confirm-form"' in html
    assert html.count("Cập nhật") >= 1 and "Thêm mới" in html and "Không đổi" in html
    assert snapshot() and db.session.scalar(sa.select(Endpoint.host).where(
        Endpoint.unit_id == tree.phuc_xa.id)) == "127.0.0.2"  # the preview wrote nothing

    done = confirm(client, html)
    assert done.status_code == 302
    assert db.session.scalar(sa.select(Endpoint.host).where(
        Endpoint.unit_id == tree.phuc_xa.id)) == "127.0.0.9"
    new = db.session.scalars(sa.select(Endpoint).where(Endpoint.name == "Điểm cầu hội trường")).one()
    assert (new.unit_id, new.port, new.protocol, new.wan_connected_on, new.vc_deployed_on) == (
        tree.truc_bach.id, 1720, "h323", date(2020, 3, 15), None)
    actions = sorted(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "endpoint")))
    assert actions == ["endpoint.create", "endpoint.update"]


def test_xlsx_round_trip(tree, client, auth):
    auth.login("qt_phucxa")
    exported = client.get("/endpoints/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == HEADERS and [r[0] for r in table[1:]] == ["00001"]
    assert table[1][5].date() == date(2018, 1, 1)  # a real date cell
    sheet.cell(row=2, column=4, value=5061)
    sheet.cell(row=2, column=7).value = None
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    preview = upload(client, "diem-cau.xlsx", buffer.getvalue())
    assert preview.status_code == 200
    assert confirm(client, preview.get_data(as_text=True)).status_code == 302
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    assert (endpoint.port, endpoint.vc_deployed_on) == (5061, None)


def test_a_file_with_bad_rows_shows_each_error_by_row_and_writes_nothing(app, tree, client, auth):
    app.config["PROBE_ALLOWED_NETWORKS"] = ["127.0.1.0/24"]  # 127.0.0.1 (row 6) stays outside
    auth.login("qt_badinh")
    before, audited = snapshot(), audit_count()
    rows = [HEADERS,
            ["00001", "Điểm cầu tốt", "127.0.1.1", "5060", "SIP", "", ""],          # 2: fine
            ["99999", "Không có đơn vị", "127.0.1.2", "5060", "SIP", "", ""],       # 3
            ["00037", "Ngoài phạm vi", "127.0.1.3", "5060", "SIP", "", ""],         # 4
            ["00001", "Cổng chữ", "127.0.1.4", "năm", "SIP", "", ""],               # 5
            ["00001", "Máy chủ nội bộ", "127.0.0.1", "5432", "SIP", "", ""],       # 6
            ["00001", "Ngày sai", "127.0.1.5", "5060", "SIP", "31/02/2020", ""],    # 7
            ["00001", "Điểm cầu tốt", "127.0.1.6", "5060", "Skype", "", ""]]        # 8
    response = upload(client, "sai.csv", write_csv(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="confirm-form"' not in html
    assert "6 dòng có lỗi" in html

    def row_text(number):
        return html.split(f'data-row="{number}"', 1)[1].split("</tr>", 1)[0]
    assert "table-danger" not in row_text(2).split(">", 1)[0]
    assert "Không có đơn vị mã" in row_text(3)
    assert "ngoài phạm vi quản lý" in row_text(4)
    assert "không phải số" in row_text(5)
    assert "nằm ngoài các dải mạng được phép" in row_text(6)
    assert "không phải ngày" in row_text(7)
    assert "Trùng với dòng 2" in row_text(8) and "Skype" in row_text(8)
    assert snapshot() == before and audit_count() == audited


def test_a_tampered_confirmation_is_checked_again(tree, client, auth):
    auth.login("qt_phucxa")
    before = snapshot()
    rows = [{"number": 2, "unit": "00037", "values": {
        "name": "Lén thêm", "host": "127.0.0.5", "port": 5060, "protocol": "sip"}}]
    response = client.post("/endpoints/import/confirm", data={"rows": json.dumps(rows)})
    assert response.status_code == 422 and "ngoài phạm vi quản lý" in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("name, body, message", [
    ("diem-cau.txt", b"abc", "Chỉ nhận tệp .csv hoặc .xlsx"),
    ("diem-cau.csv", "Đơn vị,Tên\n00001,x\n".encode(), "Dòng tiêu đề phải là"),
    ("diem-cau.csv", "Mã đơn vị".encode("utf-16"), "UTF-8"),
    ("diem-cau.xlsx", b"PK\x03\x04 not really", "Không đọc được tệp Excel"),
])
def test_unreadable_files_are_refused_clearly(tree, client, auth, name, body, message):
    auth.login("qt_phucxa")
    before = snapshot()
    response = upload(client, name, body)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert snapshot() == before


def test_removing_a_date_by_import_keeps_the_wards_past_coverage(tree, client, auth):
    auth.login("qt_phucxa")
    past = date(2024, 6, 1)
    assert coverage.connectivity(tree.users.admin, tree.ba_dinh, past)["vc_deployed"] == 2
    rows = read_csv(client.get("/endpoints/export.csv").data)
    rows[1][6] = ""  # Phúc Xá's video conference is gone
    preview = upload(client, "diem-cau.csv", write_csv(rows))
    assert confirm(client, preview.get_data(as_text=True)).status_code == 302
    assert coverage.connectivity(tree.users.admin, tree.ba_dinh, past)["vc_deployed"] == 2
    today = today_local()
    assert coverage.connectivity(tree.users.admin, tree.ba_dinh, today)["vc_deployed"] == 1
    assert coverage.connectivity(tree.users.admin, tree.ba_dinh,
                                 today - timedelta(days=1))["vc_deployed"] == 2


def test_formula_like_names_stay_text_and_come_back_unchanged(tree, client, auth):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    endpoint.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    auth.login("qt_phucxa")
    rows = read_csv(client.get("/endpoints/export.csv").data)
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/endpoints/export.xlsx").data)).active
    assert sheet.cell(row=2, column=2).data_type == "s"
    preview = upload(client, "diem-cau.csv", write_csv(rows))
    assert "Không đổi" in preview.get_data(as_text=True)  # matched, not a new endpoint


@pytest.mark.parametrize("username", ["vp_phucxa", "lanhdao"])
def test_only_unit_admins_use_the_inventory(tree, client, auth, username):
    auth.login(username)
    assert client.get("/endpoints/export.csv").status_code == 403
    assert upload(client, "a.csv", write_csv([HEADERS])).status_code == 403
