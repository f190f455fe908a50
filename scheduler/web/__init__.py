"""Delivery: the web pages that assemble several domains (a domain package's own pages stay in
its views). Imported by create_app before the blueprints are registered, since these pages add
their routes to the blueprints of the packages they are about."""
from . import units  # noqa: F401
