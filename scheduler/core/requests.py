"""What no request may carry into the application: bodies beyond their route's size, ids beyond
what the database stores, control characters in paths, JSON nested beyond reason, arrays longer
than any field needs, and strings that are not Unicode (lone surrogates). Each is refused with a
4xx before a view runs, instead of failing in the database or the JSON parser with a 500."""
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from .errors import ValidationError
from .form_fields import YEARS, parse_local_date
from .settings import settings
from .timeutil import to_local
from .types import MAX_ID, parse_id

MAX_JSON_DEPTH = 32
MAX_JSON_ITEMS = 20_000  # per array: a city-wide meeting invites a few hundred units

TOO_DEEP = _l("Dữ liệu JSON lồng nhau quá sâu.")
TOO_LONG = _l("Danh sách trong dữ liệu gửi lên quá dài (tối đa %(n)d phần tử).")
NOT_UNICODE = _l("Dữ liệu gửi lên có chuỗi ký tự không hợp lệ (không phải Unicode).")
TOO_LARGE = _l("Dữ liệu gửi lên quá lớn (tối đa %(n)s MB).")
MB = 1024 * 1024
BAD_DAY = _l("Ngày không hợp lệ: %(value)s (%(name)s: dd/mm/yyyy, năm từ %(first)d đến %(last)d).")
BAD_NUMBER = _l("Giá trị %(name)s không hợp lệ: %(value)s (số nguyên từ %(low)d đến %(high)d).")
MISSING = _l("Thiếu tham số %(name)s.")
REQUIRED = object()  # the default of a parameter that must be given


def _refusal(kind, message):
    """A werkzeug HTTP error whose description is ours (in the user's language) and is shown as
    it is (core/errors.py); other HTTP errors get the generic message of their status."""
    err = kind(str(message))
    err.for_user = True
    return err


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond MAX_ID matches no route (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what the application could not store or would choke on."""

    def loads(self, s, **kwargs):
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise _refusal(BadRequest, TOO_DEEP) from None
        _check(data)
        return data


def _check(data) -> None:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (list, dict)):
            if depth >= MAX_JSON_DEPTH:
                raise _refusal(BadRequest, TOO_DEEP)
            if len(value) > MAX_JSON_ITEMS:
                raise _refusal(RequestEntityTooLarge, TOO_LONG % {"n": MAX_JSON_ITEMS})
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _refusal(BadRequest, NOT_UNICODE) from None


def body_limit(limit: Callable[[], int], message: Callable[[], str]):
    """Marks a view that takes bodies of up to `limit()` bytes (a setting read per request)
    instead of MAX_CONTENT_LENGTH, the small limit of every other route; a larger body is
    refused with `message()`."""
    def mark(view):
        view.body_limit = (limit, message)
        return view
    return mark


def _limit_body() -> None:
    """The route's own limit, set before anything reads the body (the CSRF and NUL checks read
    the form), and a body that declares a larger length refused at once, with a message that
    says the limit. A body without a length is cut at the limit by werkzeug (413 as well)."""
    view = current_app.view_functions.get(request.endpoint)
    limit, message = getattr(view, "body_limit", (None, None))
    if limit is not None:
        request.max_content_length = limit()
    maximum = request.max_content_length
    if maximum is not None and (request.content_length or 0) > maximum:
        text = message() if message else TOO_LARGE % {"n": f"{maximum / MB:g}"}
        raise _refusal(RequestEntityTooLarge, text)


# -- dates and numbers of the query string and forms ------------------------------------------
# The one reader of each: a malformed or out-of-range value is a ValidationError (422) naming
# the parameter, never a value that overflows later in the time zone arithmetic or the database.
def read_day(raw: str | None, name: str, years: range = YEARS) -> date | None:
    """The local day `raw` names: dd/mm/yyyy as people type it, ISO 8601 from links and the
    API (a datetime is taken on its local day), within `years` (by default the years the
    calendars show). None when it is empty."""
    text = (raw or "").strip()
    if not text:
        return None
    day = parse_local_date(text, years)
    if day is None and text[:1].isdigit():
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            day = (to_local(moment) if moment.tzinfo else moment).date()
        except (ValueError, OverflowError):
            day = None
    if day is None or day.year not in years:
        message = BAD_DAY % {"name": name, "value": text[:40], "first": years[0], "last": years[-1]}
        raise ValidationError(str(message), {"field": name})
    return day


def day_arg(args: Mapping, name: str, default=REQUIRED, years: range = YEARS) -> date | None:
    """The day of parameter `name` of `args` (request.args, a form); `default` when absent."""
    day = read_day(args.get(name), name, years)
    if day is not None:
        return day
    if default is REQUIRED:
        raise ValidationError(str(MISSING % {"name": name}), {"field": name})
    return default


def int_arg(args: Mapping, name: str, low: int, high: int, default=REQUIRED) -> int | None:
    """The integer of parameter `name` within [low, high]; `default` when absent. ASCII
    digits only ("²" passes str.isdigit() and fails int())."""
    raw = (args.get(name) or "").strip()
    if not raw:
        if default is REQUIRED:
            raise ValidationError(str(MISSING % {"name": name}), {"field": name})
        return default
    digits = raw.removeprefix("-")
    value = int(raw) if digits.isascii() and digits.isdigit() and len(digits) <= 18 else None
    if value is None or not low <= value <= high:
        message = BAD_NUMBER % {"name": name, "value": raw[:40], "low": low, "high": high}
        raise ValidationError(str(message), {"field": name})
    return value


def id_arg(args: Mapping, name: str) -> int | None:
    """The id parameter `name` names (None when absent): what parse_id takes."""
    raw = args.get(name)
    if raw in (None, ""):
        return None
    value = parse_id(raw)
    if value is None:
        message = BAD_NUMBER % {"name": name, "value": str(raw)[:40], "low": 1, "high": MAX_ID}
        raise ValidationError(str(message), {"field": name})
    return value


def page_arg() -> int:
    """The list page the query string asks for (`page`, from 1)."""
    return int_arg(request.args, "page", 1, MAX_ID, default=1)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered (the converter applies to rules made after) and
    before any other extension (the body's limit must be set before anything reads it)."""
    app.url_map.converters["int"] = IdConverter
    app.json = CheckedJSONProvider(app)
    app.before_request(_limit_body)
    app.before_request(_refuse_unreadable_field_names)


def _api_without_cookie() -> bool:
    session_cookie = current_app.session_interface.get_cookie_name(current_app)
    remember_cookie = settings().remember_cookie_name
    return request.path.startswith("/api/") and not (
        session_cookie in request.cookies or remember_cookie in request.cookies)


UNREADABLE_FIELD = _l("Dữ liệu gửi lên có tên trường không đọc được (không phải UTF-8).")


def _refuse_unreadable_field_names() -> None:
    """A multipart field whose name cannot be read reaches the form with the name None, which
    the CSRF check (Flask-WTF reads every field's name) cannot handle: a request that will be
    CSRF-checked (a page's form, an API call with a session cookie) is refused before it, as
    the malformed request it is (found by the fuzzer)."""
    if request.mimetype != "multipart/form-data" or _api_without_cookie():
        return  # a bearer client's upload skips the CSRF check; its odd field is ignored
    if any(key is None for source in (request.form, request.files) for key in source.keys()):
        raise _refusal(BadRequest, UNREADABLE_FIELD)
