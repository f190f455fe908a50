"""Each route takes bodies of its own size: a meeting document up to DOCUMENT_MAX_MB (20 MB by
default) on the page and in the API, every other request at most MAX_CONTENT_LENGTH (10 MB); a
larger body is refused with 413 and a message in the user's language."""
import io
import json

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from scheduler.paperless.models import MeetingDocument

from .conftest import count
from .paperless_helpers import PDF_BYTES

MIB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    return PDF_BYTES + b"0" * (size - len(PDF_BYTES))


def multipart(content: bytes) -> dict:
    """The upload's body built in memory: the test client would spool a large one to a
    temporary file that nothing closes (a ResourceWarning)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), "ho-so.pdf")})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def post_document(client, meeting_id: int, content: bytes, **kw):
    return client.post(f"/meetings/{meeting_id}/documents", **multipart(content), **kw)


def test_a_15_mb_document_is_taken_on_the_page_and_a_25_mb_one_refused(client, auth, paperless):
    auth.login("vp_phucxa")
    done = post_document(client, paperless.id, pdf_of(15 * MIB), follow_redirects=True)
    assert done.status_code == 200
    assert "Đã tải lên tài liệu." in done.get_data(as_text=True)
    assert count(MeetingDocument) == 1

    refused = post_document(client, paperless.id, pdf_of(25 * MIB))
    assert refused.status_code == 413
    assert refused.mimetype == "text/html"
    assert "Tài liệu vượt quá dung lượng cho phép (20 MB)." in refused.get_data(as_text=True)
    assert count(MeetingDocument) == 1


def test_a_15_mb_document_is_taken_by_the_api_and_a_25_mb_one_refused(paperless):
    def upload(size):
        return paperless.api("POST", f"/meetings/{paperless.id}/documents", "host",
                             **multipart(pdf_of(size)))

    taken = upload(15 * MIB)
    assert taken.status_code == 201
    assert taken.get_json()["size"] == 15 * MIB

    refused = upload(25 * MIB)
    assert refused.status_code == 413
    assert refused.get_json() == {"error": {
        "code": "too_large", "message": "Tài liệu vượt quá dung lượng cho phép (20 MB).",
        "details": {}}}
    assert count(MeetingDocument) == 1


def test_every_other_route_keeps_the_small_limit(client, auth, paperless):
    auth.login("vp_phucxa")
    agenda = "x" * (11 * MIB)
    page = client.post(f"/meetings/{paperless.id}/agenda", data={"items": agenda})
    assert page.status_code == 413
    assert "Dữ liệu gửi lên quá lớn (tối đa 10 MB)." in page.get_data(as_text=True)

    body = json.dumps({"items": [{"title": agenda}]})
    api = paperless.api("PUT", f"/meetings/{paperless.id}/agenda", "host", data=body,
                        content_type="application/json")
    assert api.status_code == 413
    assert api.get_json()["error"] == {"code": "too_large", "details": {},
                                       "message": "Dữ liệu gửi lên quá lớn (tối đa 10 MB)."}


def test_the_refusal_speaks_english_to_an_english_reader(client, auth, paperless):
    auth.login("vp_phucxa")
    client.set_cookie("lang", "en")
    refused = post_document(client, paperless.id, pdf_of(25 * MIB))
    assert refused.status_code == 413
    assert "The document is larger than allowed (20 MB)." in refused.get_data(as_text=True)


def test_a_field_whose_name_cannot_be_read_is_a_400_not_a_500(app, client, auth, tree):
    """A multipart field name werkzeug cannot read (here a quoted name ending in a backslash)
    reaches the form as None; the API's CSRF check for a request carrying both a bearer token
    and a session cookie read every name and answered 500 (found by the fuzzer)."""
    from scheduler.auth import services as auth_services
    from scheduler.extensions import db

    raw, _ = auth_services.issue_token(tree.users.ward_staff)
    db.session.commit()
    auth.login("vp_phucxa")  # the session cookie beside the token
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="odd\\"\r\n\r\nx\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
            f'%PDF-1.4\r\n--{boundary}--\r\n').encode()
    for path in ("/api/v1/meetings/1/documents",):
        response = client.post(path, data=body, headers={
            "Authorization": f"Bearer {raw}",
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 400, (path, response.status_code)
        assert "UTF-8" in response.get_data(as_text=True)
