"""Sign-in with throttling that holds under parallel requests and cannot be turned against
others.

Two counters of failures within a window (LOGIN_FAILURE_WINDOW_MINUTES), rows of
LoginThrottle:
- `account`: one username as tried from one client address: LOGIN_MAX_FAILURES failures lock
  that username for that client (the password guesser), never for another client, so nobody
  can lock `admin` out by failing on purpose;
- `address`: one client address, whatever the usernames: 4 × LOGIN_MAX_FAILURES failures
  stop that client (the username sprayer).

Atomicity: an attempt first counts itself as a failure on its counters (the address's, then,
unless the address is already stopped, the username's) with one upsert per counter (`INSERT … ON CONFLICT DO UPDATE … RETURNING`: PostgreSQL locks the row, SQLite runs it
under the write lock) and commits that at once, before the slow password check, so a parallel
burst sees every attempt still in flight. An attempt over a limit is refused without checking
the password; a correct password then gives its count back. Committing mid-function breaks the
"services only flush" habit on purpose: the counter is a sequence-like value whose whole point is
to be visible to the other requests while this one is still running.

Unknown usernames are checked against a dummy hash of the same method, so a wrong password
costs the same time whether or not the user exists. Counters whose window has passed are
forgotten by later sign-ins, a batch at a time.
"""
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.db_setup import write_transaction
from ..core.errors import DomainError, ValidationError
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db
from .models import LoginAttempt, LoginThrottle, User, password_hash_method

ADDRESS_LIMIT_FACTOR = 4
_dummy_hashes: dict[str, str] = {}


class Throttled(DomainError):
    status = 429
    code = "too_many_requests"


def _dummy_hash() -> str:
    """A hash of a random password with the configured method: what an unknown username is
    checked against, at the same cost as a real one."""
    method = password_hash_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _dummy_hashes[method]


def _counter_keys(username: str, address: str) -> dict[str, str]:
    return {"account": f"{username} {address}"[:200], "address": address[:200]}


def _count_failure(scope: str, key: str, now: datetime, window: timedelta) -> int:
    """Add one to the counter (restarting it when its window has passed), in one locked
    statement; the new count."""
    table = LoginThrottle.__table__
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(table)
    at = sa.bindparam("now", now, type_=UTCDateTime)
    expired = table.c.window_start <= sa.bindparam("cutoff", now - window, type_=UTCDateTime)
    statement = insert.values(scope=scope, key=key, failures=1, window_start=at).on_conflict_do_update(
        index_elements=[table.c.scope, table.c.key],
        set_={"failures": sa.case((expired, 1), else_=table.c.failures + 1),
              "window_start": sa.case((expired, at), else_=table.c.window_start)},
    ).returning(table.c.failures)
    return db.session.execute(statement).scalar_one()


def _give_back(keys: dict[str, str]) -> None:
    """A correct password: the username's lock for this client starts afresh, and the
    address's count loses the attempt it took. The address's row first, in the order
    sign_in counts them: two sign-ins of one user at once would otherwise each hold the row
    the other waits for (PostgreSQL saw that deadlock under the load test)."""
    table = LoginThrottle.__table__
    db.session.execute(sa.update(table).where(table.c.scope == "address",
                                              table.c.key == keys["address"])
                       .values(failures=sa.case((table.c.failures > 0, table.c.failures - 1),
                                                else_=0)))
    db.session.execute(sa.delete(table).where(table.c.scope == "account",
                                              table.c.key == keys["account"]))


def _forget_expired(cutoff: datetime, batch: int = 100) -> None:
    """Drop counters whose window has passed (they would restart at 1 anyway), a batch at a
    time, skipping rows another sign-in holds locked (PostgreSQL) rather than waiting on them."""
    table = LoginThrottle.__table__
    expired = (sa.select(table.c.scope, table.c.key)
               .where(table.c.window_start <= sa.bindparam("cutoff", cutoff, type_=UTCDateTime))
               .limit(batch).with_for_update(skip_locked=True))
    db.session.execute(sa.delete(table).where(sa.tuple_(table.c.scope, table.c.key).in_(expired)))


def sign_in(username: str, password: str, address: str | None) -> User:
    """The user for these credentials. Raises Throttled when the username (from this address)
    or the address has too many recent failures, and ValidationError for wrong credentials;
    the counters are committed here (see the module's note), the attempt's record is left to
    the caller's commit."""
    username = (username or "").strip().lower()
    address = address or "unknown"
    given = settings()
    window = timedelta(minutes=given.login_failure_window_minutes)
    limits = {"account": given.login_max_failures,
              "address": given.login_max_failures * ADDRESS_LIMIT_FACTOR}
    keys = _counter_keys(username, address)
    # whatever the request's session holds is settled first: write_transaction() would roll
    # back a transaction still open (in production only a read; in tests the shared session's
    # data set up before signing in)
    db.session.commit()
    with write_transaction():
        # the address first: a stopped client adds no row for each new name it tries
        over = _count_failure("address", keys["address"], utcnow(), window) > limits["address"]
        if not over:
            over = _count_failure("account", keys["account"], utcnow(), window) > limits["account"]
        # read now, so that the slow password check below runs outside any transaction (on
        # SQLite a writing request's transaction holds the database's write lock)
        account = db.session.execute(sa.select(User.id, User.password_hash, User.active)
                                     .where(User.username == username)).first()
    db.session.commit()
    if over:
        raise Throttled(_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
                          minutes=given.login_failure_window_minutes))

    password_ok = check_password_hash(account.password_hash if account else _dummy_hash(),
                                      password or "")
    ok = account is not None and account.active and password_ok
    with write_transaction():
        db.session.add(LoginAttempt(username=username[:80], address=address[:64], success=ok))
        if ok:
            _give_back(keys)
        _forget_expired(utcnow() - window)
    if not ok:
        raise ValidationError(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    return db.session.get(User, account.id)
