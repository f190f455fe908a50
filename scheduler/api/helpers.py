"""Parsing request input for the API: JSON bodies and query arguments with clear errors."""
from datetime import date, datetime

from flask import request
from flask_babel import gettext as _

from ..core.errors import ValidationError


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


def parse_date_or_datetime(value: str, field: str) -> date | datetime:
    try:
        if "T" in value or " " in value:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Giá trị %(field)s không phải ngày giờ ISO 8601: %(value)s",
                                field=field, value=value), {"field": field}) from None
