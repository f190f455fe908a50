"""The JSON API under /api/v1. Session cookie or `Authorization: Bearer <token>`.

The blueprint is flask-smorest's: each route declares its arguments and answers with the
marshmallow schemas of api/schemas.py, and the OpenAPI document is built from them (openapi.py).
"""
from flask import Flask, current_app, request
from flask_login import current_user
import flask_smorest
from flask_babel import gettext as _
from flask_smorest import Api
from webargs.flaskparser import FlaskParser

from ..core.settings import settings
from ..core.errors import ValidationError
from ..extensions import csrf
from ..meetings.inputs import first_messages
from . import schemas
from .helpers import json_body


class Parser(FlaskParser):
    """Arguments read by a route's schema are refused as all input is (core/errors.py): a 422
    whose details.fields give each field's message in the user's language."""
    DEFAULT_VALIDATION_STATUS = 422

    def load_json(self, req, schema):
        return json_body()  # a body that is no JSON object: the message of every route

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        fields = {name: found for messages in error.messages.values()
                  for name, found in first_messages(messages).items()}
        unknown = [name for name, message in fields.items()
                   if message == str(schema.error_messages.get("unknown"))]
        if unknown:
            raise ValidationError(_("Trường không được hỗ trợ: %(fields)s",
                                    fields=", ".join(sorted(unknown))), {"fields": fields})
        if len(set(fields.values())) == 1:
            raise ValidationError(next(iter(fields.values())), {"fields": fields})
        raise ValidationError(_("Dữ liệu không hợp lệ (%(names)s): %(first)s",
                                names=", ".join(fields), first=next(iter(fields.values()))),
                              {"fields": fields})


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Lịch họp trực tuyến API")
csrf.exempt(bp)


class SchemaApi(Api):
    """flask-smorest's Api on our application, without the parts of it we have our own of:
    errors keep the shape core/errors.py gives every answer, and the document is served by
    the route in openapi.py."""
    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = schemas.Error

    def _register_error_handlers(self):
        pass

    def _register_doc_blueprint(self):
        pass


def init_app(app: Flask) -> None:
    api = SchemaApi(app, spec_kwargs={"title": "Lịch họp trực tuyến API", "version": "1.0.0",
                                      "openapi_version": "3.0.3"})
    # every route's 422 (openapi.py); "Error", the other errors', is flask-smorest's ERROR_SCHEMA
    api.spec.components.schema("ValidationError", schema=schemas.ValidationError)
    api.register_blueprint(bp)
    # its `flask openapi` would print the document without what openapi.py adds
    app.cli.commands.pop("openapi", None)


def body(schema, required: bool = True, content_type: str = "application/json"):
    """Document a request body that the domain reads itself (its messages name each field of
    the form and of the API alike)."""
    return bp.doc(requestBody={"required": required, "content": {content_type: {"schema": schema}}})


def query(schema):
    """Document query arguments read by the route (paging, days, codes)."""
    return bp.doc(parameters=[{"in": "query", "schema": schema}])


def _carries_session_cookie() -> bool:
    session_cookie = current_app.session_interface.get_cookie_name(current_app)
    remember_cookie = settings().remember_cookie_name
    return session_cookie in request.cookies or remember_cookie in request.cookies


@bp.before_request
def _csrf_for_cookie_sessions():
    # A client that a valid bearer token alone signs in is not exposed to CSRF; a browser is,
    # whatever Authorization header a page makes it send, so every signed-in write that comes
    # with a session (or remember-me) cookie must carry the X-CSRFToken header like any form.
    # Without a cookie, the only way to be signed in is a valid bearer token (the request
    # loader, auth/__init__.py); an invalid one leaves the request anonymous (401).
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.endpoint == "api.create_token":
        return
    if current_user.is_authenticated and _carries_session_cookie():
        csrf.protect()


from . import views  # noqa: E402,F401
from . import resources  # noqa: E402,F401  (rooms and endpoints)
from . import endpoints  # noqa: E402,F401  (endpoint writes and history)
from . import meetings  # noqa: E402,F401
from . import openapi  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import calendar  # noqa: E402,F401
from . import paperless  # noqa: E402,F401
from . import notifications  # noqa: E402,F401
