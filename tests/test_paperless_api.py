"""Paperless meetings through the API: the agenda, documents recognised by content with read
tracking, attendance with a substitute, named votes and the minutes."""
import io

from scheduler.audit.models import AuditEntry
from scheduler.extensions import db
from scheduler.paperless.models import Ballot, MeetingDocument
from tests.conftest import count
from tests.paperless_helpers import PDF_BYTES, ooxml

AGENDA = [{"title": "Báo cáo tình hình kinh tế - xã hội", "presenter": "Phó Chủ tịch", "minutes": 30},
          {"title": "Kế hoạch chuyển đổi số năm 2027", "presenter": "Văn phòng", "minutes": 45}]


def upload(p, who, data: bytes, name: str, **form):
    return p.api("POST", f"/meetings/{p.id}/documents", who,
                 data={"file": (io.BytesIO(data), name), **form},
                 content_type="multipart/form-data")


def test_agenda_is_replaced_by_the_host_and_read_by_the_invited(paperless):
    p = paperless
    put = p.api("PUT", f"/meetings/{p.id}/agenda", "host", json={"items": AGENDA})
    assert put.status_code == 200
    items = put.get_json()["items"]
    assert [(i["position"], i["title"], i["minutes"]) for i in items] == [
        (1, AGENDA[0]["title"], 30), (2, AGENDA[1]["title"], 45)]
    # reordering keeps the items' identity; a dropped item goes
    reordered = [{**items[1], "minutes": 50}, {"title": "Các vấn đề khác"}]
    again = p.api("PUT", f"/meetings/{p.id}/agenda", "host", json={"items": reordered}).get_json()
    assert [(i["position"], i["title"]) for i in again["items"]] == [
        (1, AGENDA[1]["title"]), (2, "Các vấn đề khác")]
    assert again["items"][0]["id"] == items[1]["id"] and again["items"][0]["minutes"] == 50
    got = p.api("GET", f"/meetings/{p.id}/agenda", "guest")
    assert got.status_code == 200 and got.get_json() == again
    assert p.api("GET", f"/meetings/{p.id}/agenda", "stranger").status_code == 403
    assert p.api("PUT", f"/meetings/{p.id}/agenda", "guest", json={"items": []}).status_code == 403
    bad = p.api("PUT", f"/meetings/{p.id}/agenda", "host",
                json={"items": [{"title": ""}, {"title": "Hợp lệ", "minutes": -5}]})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"items.0.title", "items.1.minutes"}
    assert len(p.api("GET", f"/meetings/{p.id}/agenda", "host").get_json()["items"]) == 2


def test_documents_are_recognised_by_content(paperless):
    p = paperless
    made = upload(p, "host", PDF_BYTES, "bao-cao.pdf")
    assert made.status_code == 201
    body = made.get_json()
    assert body["name"] == "bao-cao.pdf" and body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF_BYTES) and body["agenda_item"] is None
    # an Office package named oddly is still a spreadsheet, and gets the right extension
    sheet = upload(p, "host", ooxml("xl"), "so-lieu").get_json()
    assert sheet["content_type"].endswith("spreadsheetml.sheet") and sheet["name"] == "so-lieu.xlsx"
    assert upload(p, "host", ooxml("ppt"), "trinh-chieu.pptx").status_code == 201
    assert upload(p, "host", ooxml("word"), "du-thao.docx").status_code == 201
    # a renamed executable, or a zip that is no Office document, is refused
    renamed = upload(p, "host", b"MZ\x90\x00\x03" + b"\x00" * 200, "bao-cao.pdf")
    assert renamed.status_code == 415
    assert renamed.get_json()["error"]["code"] == "unsupported_media_type"
    assert upload(p, "host", b"PK\x03\x04" + b"\x00" * 100, "tai-lieu.docx").status_code == 415
    # stored outside static/, under the configured folder
    stored = sorted(f.name for f in p.documents.rglob("*") if f.is_file())
    assert len(stored) == count(MeetingDocument) == 4
    assert not any("static" in str(f) for f in p.documents.rglob("*"))
    assert upload(p, "guest", PDF_BYTES, "cua-khach.pdf").status_code == 403


def test_size_limit_gives_413(app, paperless):
    p = paperless
    app.config["DOCUMENT_MAX_MB"] = 0.01  # about 10 KB
    big = PDF_BYTES + b"0" * 20_000
    response = upload(p, "host", big, "qua-lon.pdf")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert count(MeetingDocument) == 0
    assert upload(p, "host", PDF_BYTES + b"0" * 5_000, "vua-du.pdf").status_code == 201
    # beyond the limit plus the multipart allowance the request itself is refused, still 413
    app.config["DOCUMENT_MAX_MB"] = 0.001
    assert upload(p, "host", PDF_BYTES + b"0" * 200_000, "rat-lon.pdf").status_code == 413


def test_download_only_by_the_invited_and_reads_are_tracked(paperless):
    p = paperless
    doc = upload(p, "host", PDF_BYTES, "bao-cao.pdf").get_json()
    refused = p.api("GET", f"/documents/{doc['id']}", "stranger")
    assert refused.status_code == 403 and refused.is_json
    got = p.api("GET", f"/documents/{doc['id']}", "guest")
    assert got.status_code == 200 and got.data == PDF_BYTES
    assert got.mimetype == "application/pdf" and "bao-cao.pdf" in got.headers["Content-Disposition"]
    got.close()
    p.api("GET", f"/documents/{doc['id']}", "guest").close()
    listing = p.api("GET", f"/meetings/{p.id}/documents", "host").get_json()
    opened = listing["documents"][0]["opened_by"]
    assert [(o["user"], o["unit"], o["times"]) for o in opened] == [("vp_trucbach", "00004", 2)]
    # the guest sees the list but not who opened what
    assert "opened_by" not in p.api("GET", f"/meetings/{p.id}/documents", "guest").get_json()["documents"][0]
    assert p.api("GET", f"/meetings/{p.id}/documents", "stranger").status_code == 403
    assert p.api("GET", "/documents/999999", "guest").status_code == 404


def test_document_on_an_agenda_item(paperless):
    p = paperless
    items = p.api("PUT", f"/meetings/{p.id}/agenda", "host", json={"items": AGENDA}).get_json()["items"]
    made = upload(p, "host", PDF_BYTES, "muc-2.pdf", agenda_item=str(items[1]["id"]))
    assert made.status_code == 201 and made.get_json()["agenda_item"] == items[1]["id"]
    wrong = upload(p, "host", PDF_BYTES, "muc-x.pdf", agenda_item="999999")
    assert wrong.status_code == 422 and "agenda_item" in wrong.get_json()["error"]["details"]["fields"]


def test_attendance_with_a_substitute_and_an_absence(paperless):
    p = paperless
    rows = p.api("GET", f"/meetings/{p.id}/attendance", "host").get_json()
    assert [(r["unit"], r["status"]) for r in rows["attendance"]] == [
        ("00001", "not_checked_in"), ("00004", "not_checked_in")]
    sub = p.api("PUT", f"/meetings/{p.id}/attendance/00004", "host",
                json={"status": "present_online", "person": "Chủ tịch UBND phường Trúc Bạch",
                      "substitute": "Phó Chủ tịch Nguyễn Văn An"})
    assert sub.status_code == 200 and sub.get_json()["substitute"] == "Phó Chủ tịch Nguyễn Văn An"
    no_reason = p.api("PUT", f"/meetings/{p.id}/attendance/00001", "host", json={"status": "absent"})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["error"]["details"]["fields"]
    assert p.api("PUT", f"/meetings/{p.id}/attendance/00001", "host",
                 json={"status": "present_in_person", "person": "Chủ tịch"}).status_code == 200
    assert p.api("PUT", f"/meetings/{p.id}/attendance/00037", "host",
                 json={"status": "present_in_person"}).status_code == 404  # not invited
    assert p.api("PUT", f"/meetings/{p.id}/attendance/00001", "stranger",
                 json={"status": "absent", "reason": "x"}).status_code == 403
    summary = p.api("GET", f"/meetings/{p.id}/attendance", "guest").get_json()["summary"]
    assert summary["present_online"] == 1 and summary["present_in_person"] == 1
    assert summary["substitutes"] == 1 and summary["not_checked_in"] == 0
    assert count(AuditEntry) >= 2


def test_a_vote_on_an_agenda_item_beyond_any_id_is_refused_not_a_500(paperless):
    """Found by the API fuzzer on PostgreSQL, which refuses an integer parameter that large."""
    p = paperless
    for raw in (99999999999, 2**63, -1, 0):
        response = p.api("POST", f"/meetings/{p.id}/votes", "host",
                         json={"question": "Thông qua", "agenda_item": raw})
        assert response.status_code == 422, (raw, response.get_data(as_text=True))
        assert "agenda_item" in response.get_json()["error"]["details"]["fields"]


def test_vote_results_after_closing(paperless):
    p = paperless
    opened = p.api("POST", f"/meetings/{p.id}/votes", "host",
                   json={"question": "Thông qua kế hoạch chuyển đổi số"})
    assert opened.status_code == 201 and opened.get_json()["status"] == "open"
    vote = opened.get_json()["id"]
    assert p.api("POST", f"/meetings/{p.id}/votes", "guest", json={"question": "x"}).status_code == 403
    cast = {who: p.api("POST", f"/votes/{vote}/ballots", who, json={"choice": choice})
            for who, choice in (("host", "dong_y"), ("host2", "dong_y"), ("guest", "phieu_trang"))}
    assert {who: r.status_code for who, r in cast.items()} == {"host": 201, "host2": 201, "guest": 201}
    assert p.api("POST", f"/votes/{vote}/ballots", "guest", json={"choice": "dong_y"}).status_code == 409
    assert p.api("POST", f"/votes/{vote}/ballots", "stranger", json={"choice": "dong_y"}).status_code == 403
    # an admin above everything still is no member of the invited units
    assert p.api("POST", f"/votes/{vote}/ballots", "admin", json={"choice": "dong_y"}).status_code == 403
    assert p.api("POST", f"/votes/{vote}/ballots", "host", json={"choice": "co"}).status_code in (409, 422)
    assert p.api("POST", f"/votes/{vote}/close", "guest").status_code == 403
    closed = p.api("POST", f"/votes/{vote}/close", "host")
    assert closed.status_code == 200
    results = closed.get_json()["results"]
    assert results == {"dong_y": {"count": 2, "percent": 66.7},
                       "khong_dong_y": {"count": 0, "percent": 0.0},
                       "phieu_trang": {"count": 1, "percent": 33.3}}
    assert {b["user"]: b["choice"] for b in closed.get_json()["ballots"]} == {
        "vp_phucxa": "dong_y", "vp_phucxa_2": "dong_y", "vp_trucbach": "phieu_trang"}
    late = p.api("POST", f"/votes/{vote}/ballots", "district_admin", json={"choice": "dong_y"})
    assert late.status_code == 403
    p.users["district_admin"]  # noqa: B018
    assert count(Ballot) == 3
    assert p.api("POST", f"/votes/{vote}/close", "host").status_code == 409


def test_a_closed_vote_takes_no_ballot(paperless, create_user, tree):
    p = paperless
    vote = p.api("POST", f"/meetings/{p.id}/votes", "host", json={"question": "Biểu quyết"}).get_json()["id"]
    p.api("POST", f"/votes/{vote}/close", "host")
    response = p.api("POST", f"/votes/{vote}/ballots", "guest", json={"choice": "dong_y"})
    assert response.status_code == 409 and count(Ballot) == 0


def test_minutes_gather_attendance_and_votes(paperless):
    p = paperless
    p.api("PUT", f"/meetings/{p.id}/attendance/00004", "host",
          json={"status": "present_in_person", "person": "Chủ tịch", "substitute": "Phó Chủ tịch"})
    vote = p.api("POST", f"/meetings/{p.id}/votes", "host", json={"question": "Thông qua"}).get_json()["id"]
    p.api("POST", f"/votes/{vote}/ballots", "guest", json={"choice": "dong_y"})
    p.api("POST", f"/votes/{vote}/close", "host")
    saved = p.api("PUT", f"/meetings/{p.id}/minutes", "host",
                  json={"secretary": "Nguyễn Thư Ký", "discussion": "Các đại biểu thảo luận.",
                        "conclusions": "Thống nhất triển khai."})
    assert saved.status_code == 200
    body = p.api("GET", f"/meetings/{p.id}/minutes", "guest").get_json()
    assert body["secretary"] == "Nguyễn Thư Ký" and body["chair"] == "Chủ tịch UBND phường"
    assert [a["unit"] for a in body["attendees"]] == ["00004"]
    assert body["attendees"][0]["substitute"] == "Phó Chủ tịch"
    assert body["votes"][0]["results"]["dong_y"] == {"count": 1, "percent": 100.0}
    assert body["conclusion_issued_at"] is None and body["conclusion_due"]
    issued = p.api("PUT", f"/meetings/{p.id}/minutes", "host", json={"conclusion_issued": True})
    assert issued.get_json()["conclusion_issued_at"] is not None
    assert p.api("PUT", f"/meetings/{p.id}/minutes", "guest", json={"opinions": "x"}).status_code == 403
    assert p.api("PUT", f"/meetings/{p.id}/minutes", "host",
                 json={"discussion": 5}).status_code == 422
    db.session.rollback()


def test_a_form_field_named_in_bytes_that_are_not_utf8_is_answered_not_500(paperless):
    """Found by the API fuzzing: werkzeug names such a field (here ending in a backslash) None, and the NUL check
    that reads every field before the view then failed with a 500."""
    p = paperless
    boundary = b"6a93bf5ac3f7896e5406e652e2813487"
    body = b"".join([
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="\xf2\x9e\xbd\xb5\x02\xc2\x8e\xc3\xac\\"\r\n\r\n{}\r\n',
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="d.pdf"\r\n\r\n'
        + PDF_BYTES + b"\r\n",
        b"--" + boundary + b"--\r\n"])
    answer = p.api("POST", f"/meetings/{p.id}/documents", "host", data=body,
                   content_type="multipart/form-data; boundary=" + boundary.decode())
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert count(MeetingDocument) == 1
