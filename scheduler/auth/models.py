"""Users bound to a unit with a role, API tokens, and the record of sign-in attempts."""
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db

ROLES = ("staff", "unit_admin", "viewer", "admin")


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

    unit = relationship("Unit")

    def set_password(self, password: str) -> None:
        # scrypt by default; the test suite picks a cheap method through the configuration
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    def get_id(self) -> str:
        # The session remembers a fingerprint of the password hash: a reset or change signs out
        # other sessions. (The change time in whole seconds missed a reset made within the same
        # second as the sign-in.)
        stamp = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return f"{self.id}:{stamp}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)

    user = relationship("User")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LoginAttempt(db.Model):
    """Every sign-in attempt; failures within a window throttle further attempts. Kept in the
    database so that throttling holds across several web workers."""

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
