"""Template filters and globals: Vietnamese dates, 24-hour clock, role and kind labels."""
from flask import Flask
from flask_babel import get_locale

from . import numbers, textsearch, timeutil
from .labels import label
from . import navigation


def init_app(app: Flask) -> None:
    app.jinja_env.filters["vn_date"] = timeutil.format_date_vi
    app.jinja_env.filters["vn_datetime"] = timeutil.format_datetime_vi
    app.jinja_env.filters["local"] = timeutil.to_local
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["decimal"] = numbers.one_decimal
    app.jinja_env.filters["fold"] = textsearch.fold
    app.jinja_env.globals["official_date_line"] = timeutil.official_date_line
    app.jinja_env.globals["today_local"] = timeutil.today_local
    app.jinja_env.globals["menu_bar"] = navigation.menu_bar
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
