"""Users bound to a unit with a role, API tokens, and the record of sign-in attempts."""
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import DefaultConfig
from ..core.access import ALL, OWN, ROLES, SUBTREE, roles_with
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db



def new_session_key() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES}", name="role_known"),
        sa.Index("ix_user_account_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember-me cookie (see get_id); a new key ends them all.
    session_key: Mapped[str] = mapped_column(sa.String(32), default=new_session_key)

    unit = relationship("Unit")

    def set_password(self, password: str) -> None:
        """A new password also ends every session of the user (a changed password is what one
        does after a leak)."""
        self.password_hash = generate_password_hash(password, method=password_hash_method())
        self.password_changed_at = utcnow()
        self.end_sessions()

    def end_sessions(self) -> None:
        """Every session and remember-me cookie issued so far stops working: they carry the
        old key. Server-side, unlike the cookies themselves, which a browser may keep."""
        self.session_key = new_session_key()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    def get_id(self) -> str:
        # Flask-Login's "alternative id": the session and the remember-me cookie hold the user's
        # current session key, so a new key (sign-out, password change or reset, deactivation,
        # "sign out everywhere") makes every earlier cookie unknown.
        if self.session_key is None:  # a new user, not flushed yet
            self.session_key = new_session_key()
        return f"{self.id}:{self.session_key}"

    @classmethod
    def holding(cls, permission: str, unit):
        """SQL condition: the active users who hold `permission` over `unit`
        (access.allowed's answer, asked of the users rather than of the unit)."""
        above = [unit.id, *(u.id for u in unit.ancestors())]
        return sa.and_(cls.active.is_(True), sa.or_(
            cls.role.in_(roles_with(permission, ALL)),
            sa.and_(cls.role.in_(roles_with(permission, SUBTREE)), cls.unit_id.in_(above)),
            sa.and_(cls.role.in_(roles_with(permission, OWN)), cls.unit_id == unit.id)))

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def password_hash_method() -> str:
    # scrypt by default; the test suite picks a cheap method through the configuration
    return settings().password_hash_method if has_app_context() else DefaultConfig.PASSWORD_HASH_METHOD


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LoginAttempt(db.Model):
    """Every sign-in attempt whose password was checked: the history behind the counters of
    LoginThrottle."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "at"),
        sa.Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    address: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(default=False)


THROTTLE_SCOPES = ("account", "address")


class LoginThrottle(db.Model):
    """Sign-in failures in the current window, one row per key: `account` keys are a username
    as tried from one address (the lock), `address` keys one client address (the limit). Kept
    in the database so that throttling holds across web workers, and counted with one locked
    upsert so that it holds under parallel requests (scheduler/auth/throttle.py)."""

    __tablename__ = "login_throttle"
    __table_args__ = (
        sa.CheckConstraint(f"scope IN {THROTTLE_SCOPES}", name="scope_known"),
        sa.CheckConstraint("failures >= 0", name="failures_not_negative"),
        sa.Index("ix_login_throttle_window_start", "window_start"),  # forgetting expired ones
    )

    scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
