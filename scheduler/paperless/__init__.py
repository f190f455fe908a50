"""Paperless meetings (họp không giấy tờ): agenda, documents, attendance, named votes, minutes
and the conclusion notice. Pages in views.py (blueprint `paperless`), API routes in
api/paperless.py (on the API blueprint)."""
from flask import Flask


def init_app(app: Flask) -> None:
    """The version rise and audit entry of each change of a meeting's papers (once per process)."""
    from . import subscribers
    subscribers.register()
