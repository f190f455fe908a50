"""Parsing request input for the API: JSON bodies and query arguments with clear errors."""
from datetime import date, datetime

from flask import request
from flask_babel import gettext as _

from ..core.errors import ValidationError
from ..core.form_fields import YEARS


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


def parse_date_or_datetime(value: str, field: str) -> date | datetime:
    """An ISO 8601 day or moment, in the years core.requests.read_day takes (beyond them the
    time zone arithmetic overflows)."""
    try:
        if "T" in value or " " in value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            parsed = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Giá trị %(field)s không phải ngày giờ ISO 8601: %(value)s",
                                field=field, value=value), {"field": field}) from None
    if parsed.year not in YEARS:
        raise ValidationError(_("Ngày ngoài phạm vi: %(value)s.", value=value[:40]),
                              {"fields": {field: _("Ngày ngoài phạm vi.")}})
    return parsed
