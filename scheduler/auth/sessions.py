"""Sessions and API tokens: how a request is recognised, and how both end.

A browser session (and its remember-me cookie) carries the user's `session_key`
(User.get_id); a new key ends every session of that user on the server side, whatever cookies
a browser still holds: sign-out, a password change or reset, deactivation and "sign out
everywhere" all draw a new one. API tokens are stored as their SHA-256 only; a password change
or reset revokes them all, and their owner sees and revokes each on the account page.
"""
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask_babel import gettext as _

from ..audit.services import record
from ..core.cache import pure_function
from ..core.access import get_or_404
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..extensions import db
from .models import ApiToken, User

# how stale a token's "last used" may get before a request writes it again: one write per
# token and minute at most, not one per API call
LAST_USED_RESOLUTION = timedelta(minutes=1)


# -- recognising a request ------------------------------------------------------------------
# one statement, the same for every request: a pure function, nothing makes it stale
@pure_function("signed-in user statement", size=None)
def _user_with_unit() -> sa.Select:
    """The signed-in user with their unit: every page asks for the unit (the reach, the menu),
    so it comes in the same statement. Built once, like every statement of each request."""
    return sa.select(User).options(joinedload(User.unit)).where(User.id == sa.bindparam("id"))


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the user whose current session key the cookie holds."""
    try:
        user_id, key = session_id.split(":")
        user = db.session.scalars(_user_with_unit(), {"id": int(user_id)}).first()
    except (ValueError, TypeError, AttributeError):
        return None
    if user is None or not user.active or not hmac.compare_digest(user.session_key or "", key):
        return None
    return user


def bearer_token(header: str, now: datetime) -> ApiToken | None:
    """The valid token of an `Authorization: Bearer …` header, of an active user."""
    if not header.startswith("Bearer "):
        return None
    token = db.session.scalars(sa.select(ApiToken).options(
        joinedload(ApiToken.user).joinedload(User.unit)).where(
        ApiToken.token_hash == ApiToken.hash(header[7:].strip()),
        ApiToken.revoked.is_(False), ApiToken.expires_at > now)).first()
    if token is None or not token.user.active:
        return None
    return token


def needs_last_used(token: ApiToken, now: datetime) -> bool:
    return token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION


def mark_used(token_id: int, now: datetime) -> None:
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


# -- tokens -----------------------------------------------------------------------------------
def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    days = settings().api_token_lifetime_days
    token = ApiToken(user=user, token_hash=ApiToken.hash(raw), expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    record(user, "token.create", "api_token", None, unit=user.unit, summary="API token issued")
    return raw, token


def usable_tokens(user: User, now: datetime) -> list[ApiToken]:
    """The user's tokens that still open the API, newest first."""
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False), ApiToken.expires_at > now)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another user's is "not found", not "forbidden":
    token ids are nobody else's business)."""
    token = get_or_404(ApiToken, token_id, _("Không tìm thấy mã truy cập API."),
                       within={"user_id": user.id})
    if not token.revoked:
        token.revoked = True
        record(user, "token.revoke", "api_token", token.id, unit=user.unit,
               summary=f"API token #{token.id} revoked")
    return token


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of the user; how many were still valid."""
    result = db.session.execute(sa.update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).values(revoked=True))
    return result.rowcount or 0


# -- ending sessions --------------------------------------------------------------------------
def sign_out(user: User) -> None:
    """The user signs out: every session and remember-me cookie of theirs ends, in every
    browser (a cookie copied before sign-out must not outlive it)."""
    user.end_sessions()


def end_everywhere(actor: User, user: User) -> None:
    """"Sign out everywhere": every session and remember-me cookie and every API token of the
    user end. The caller has checked that `actor` manages `user` (or is the user)."""
    user.end_sessions()
    revoked = revoke_all_tokens(user)
    record(actor, "user.end_sessions", "user", user.id, unit=user.unit, summary=user.username,
           changes={"tokens_revoked": revoked})
