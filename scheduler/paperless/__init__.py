"""Paperless meetings (họp không giấy tờ): agenda, documents, attendance, named votes, minutes
and the conclusion notice. Pages in views.py (blueprint `paperless`), API routes in
api/paperless.py (on the API blueprint)."""
