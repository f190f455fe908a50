"""Vietnamese by default, English on request (a cookie set by the language switch)."""
from flask import Flask, has_request_context, request
from flask_login import current_user

from flask_babel import force_locale, gettext, refresh

from ..extensions import babel
from .settings import settings


def select_locale() -> str:
    languages = settings().languages
    if not has_request_context():  # CLI commands and background jobs speak the default
        return settings().babel_default_locale
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return settings().babel_default_locale


def stored_text(message: str, **variables) -> str:
    """`message` translated into the installation's language rather than the reader's: for
    text that is stored (audit summaries) and read later by people of any language."""
    with force_locale(settings().babel_default_locale):
        return gettext(message, **variables)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Ho_Chi_Minh")
    # Flask-Babel caches the locale on the application context, which outlives a request when
    # one is already pushed (tests, CLI commands that issue requests): choose afresh each time.
    app.before_request(refresh)
