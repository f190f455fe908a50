"""Searching the audit log: by unit subtree, user, local date range and action."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import User
from ..core.errors import NotFound, ValidationError
from ..core.timeutil import local_day_bounds
from ..extensions import db
from ..units.models import Unit
from ..audit.models import AuditEntry

def audit_query(*, unit_code: str | None = None, username: str | None = None,
                start: date | None = None, end: date | None = None, action: str | None = None):
    """SELECT of audit entries, newest first. `start`/`end` are local days, both included."""
    query = sa.select(AuditEntry)
    if unit_code:
        unit = Unit.by_code(unit_code.strip())
        if unit is None:
            raise NotFound(_("Không tìm thấy đơn vị mã %(code)s.", code=unit_code), {"field": "unit"})
        subtree = sa.select(Unit.id).where(Unit.in_subtree(unit))
        query = query.where(AuditEntry.unit_id.in_(subtree))
    if username:
        user_ids = sa.select(User.id).where(User.username == username.strip().lower())
        query = query.where(AuditEntry.user_id.in_(user_ids))
    if start and end and start > end:
        raise ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."), {"field": "end"})
    if start:
        query = query.where(AuditEntry.at >= local_day_bounds(start, start)[0])
    if end:
        query = query.where(AuditEntry.at < local_day_bounds(end, end)[1])
    if action:
        query = query.where(AuditEntry.action == action.strip())
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def known_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
