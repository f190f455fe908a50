"""Domain errors raised by services, and how the web pages and the API present them.

Services raise these; views turn them into a flashed message or a JSON error
`{"error": {"code", "message", "details"}}`. No request may end in an unhandled 500.
"""
import unicodedata

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(DomainError):
    """Invalid input: a 422 whose details always carry `fields`, {field: message} (empty when
    no single field is at fault), whatever shape the raiser gave: {"field": name} becomes
    {"fields": {name: message}}."""
    status = 422
    code = "invalid"

    def __init__(self, message: str, details: dict | None = None):
        details = dict(details or {})
        given = details.get("fields") or {}
        if not isinstance(given, dict):  # a list of the fields at fault
            given = {name: message for name in given}
        fields = {str(k): str(v) for k, v in given.items()}
        field = details.pop("field", None)
        if field and str(field) not in fields:
            fields[str(field)] = str(message)
        details["fields"] = fields
        super().__init__(message, details)


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    """A change sent with If-Match (or the edit form's version) for a version of the object
    that is no longer current: someone else changed it meanwhile."""
    status = 412
    code = "precondition_failed"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


# lazy: translated when shown, and marked so that `pybabel extract` finds them
HTTP_MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    401: _l("Bạn cần đăng nhập."),
    403: _l("Bạn không có quyền thực hiện thao tác này."),
    404: _l("Không tìm thấy trang hoặc dữ liệu yêu cầu."),
    405: _l("Phương thức không được hỗ trợ."),
    413: _l("Dữ liệu gửi lên quá lớn."),
    429: _l("Quá nhiều yêu cầu. Vui lòng thử lại sau."),
    500: _l("Đã có lỗi xảy ra. Vui lòng thử lại sau."),
}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 429: "too_many_requests",
              500: "server_error"}


NUL_MESSAGE = _l("Dữ liệu gửi lên có ký tự NUL không hợp lệ.")


def has_control_characters(path: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in path)


def _carries_nul() -> bool:
    """A NUL character anywhere in the query, the form or the body (also written \\u0000 in
    JSON): no field of the application may hold one, and PostgreSQL refuses it in text."""
    # a multipart field whose name is not UTF-8 comes with the name None
    if any("\x00" in (key or "") or "\x00" in (value or "")
           for source in (request.args, request.form) for key, value in source.items(multi=True)):
        return True
    if request.content_length and not request.files:
        body = request.get_data(cache=True)
        return b"\x00" in body or b"\\u0000" in body
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        if has_control_characters(request.path):  # no route, token or code holds one
            if wants_json():
                return json_error(404, "not_found", str(HTTP_MESSAGES[404]))
            return render_template("error.html", status=404, message=HTTP_MESSAGES[404]), 404
        if _carries_nul():
            if wants_json():
                return json_error(400, "bad_request", str(NUL_MESSAGE))
            return render_template("error.html", status=400, message=str(NUL_MESSAGE)), 400

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        if wants_json():
            return json_error(err.status, err.code, err.message, err.details)
        return render_template("error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        if getattr(err, "for_user", False):  # a message of ours, in the user's language
            message = err.description
        else:
            message = str(HTTP_MESSAGES[status]) if status in HTTP_MESSAGES else err.description
        if wants_json():
            response = json_error(status, HTTP_CODES.get(status, "error"), message)
        else:
            response = app.make_response((render_template("error.html", status=status,
                                                          message=message), status))
        # werkzeug's own answer carries them (Allow on a 405, WWW-Authenticate on a 401...)
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from ..extensions import db

        db.session.rollback()
        message = str(HTTP_MESSAGES[500])
        if wants_json():
            return json_error(500, "server_error", message)
        return render_template("error.html", status=500, message=message), 500


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
