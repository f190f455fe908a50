"""Paperless pages (placeholder, filled below)."""
from flask import Blueprint

bp = Blueprint("paperless", __name__)
