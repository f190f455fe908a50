"""What a request does when the database connection drops under it (a PostgreSQL restart or
failover, a proxy or an administrator ending backends).

Connections are checked before use (`pool_pre_ping`), so one that died while it sat in the
pool is replaced unseen. One that dies during a request:
  - a request that only reads (GET, HEAD, OPTIONS) is run again once on a new connection: it
    changed nothing, so running it twice is safe;
  - any other request answers 503 with Retry-After: its transaction died with the connection,
    so nothing of it was written, and the client may send it again.
"""
from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from .db_setup import SAFE_METHODS
from .settings import SettingsConfig

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = _l("Mất kết nối tới cơ sở dữ liệu; thao tác chưa được ghi. "
                 "Vui lòng thử lại sau ít giây.")


def lost_connection(err: BaseException) -> bool:
    return isinstance(err, DBAPIError) and bool(err.connection_invalidated)


class SchedulerFlask(Flask):
    """Flask, running a read-only request's view once more when its connection dropped; its
    config keeps the typed settings (config.py) in step."""

    config_class = SettingsConfig

    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except DBAPIError as err:
            if not lost_connection(err) or request.method not in SAFE_METHODS:
                raise
            self.logger.warning("database connection lost on %s %s; reading again",
                                request.method, request.path)
            db.session.rollback()  # forgets the dead connection; the next statement takes a new one
            return super().dispatch_request()


def init_app(app: Flask) -> None:
    from flask import render_template

    from .errors import HTTP_MESSAGES, json_error, wants_json

    def answer(status: int, code: str, message: str):
        if wants_json():
            return json_error(status, code, message)
        return app.make_response((render_template("error.html", status=status,
                                                  message=message), status))

    @app.errorhandler(DBAPIError)
    def _database_error(err: DBAPIError):
        db.session.rollback()
        if not lost_connection(err):  # any other database error is a bug: a 500, logged
            app.logger.exception("unhandled error on %s %s", request.method, request.path)
            return answer(500, "server_error", str(HTTP_MESSAGES[500]))
        app.logger.warning("database connection lost on %s %s", request.method, request.path)
        response = answer(503, "unavailable", str(UNAVAILABLE))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
