"""The `conclusion-notices` job: a notice to the host unit's staff and the admins for each
paperless meeting whose conclusion notice is overdue. Exactly once per meeting (the ledger key
names the meeting); safe to re-run and to run in two runners at once."""
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..auth.models import User
from ..core.access import OWN, SUBTREE, roles_with
from ..core.db_setup import write_transaction
from ..core.timeutil import format_date_vi, to_local
from ..extensions import db
from ..notifications import notices
from .minutes import overdue_meetings

HOST_ROLES = roles_with("book", OWN, SUBTREE)  # the host unit's own staff, not the city's admins


def _recipients(meeting) -> list[int]:
    hosts = notices.active_users_of([meeting.host_unit_id], roles=HOST_ROLES)
    admins = list(db.session.scalars(sa.select(User.id).where(
        User.role.in_(roles_with("administer")), User.active.is_(True)).order_by(User.id)))
    return list(dict.fromkeys(hosts + admins))


def notify_overdue_conclusions(now: datetime) -> str:
    today = to_local(now).date()
    lookback = int(current_app.config["CONCLUSION_OVERDUE_LOOKBACK_DAYS"])
    candidates = [(m.id, due) for m, due in overdue_meetings(now, today, lookback_days=lookback)]
    db.session.rollback()
    sent = 0
    for meeting_id, due in candidates:
        with write_transaction():
            if not notices.claim_delivery(f"conclusion_overdue:{meeting_id}",
                                          "conclusion_overdue", now):
                db.session.rollback()
                continue
            from ..meetings.models import Meeting

            meeting = db.session.get(Meeting, meeting_id)
            title = _("Quá hạn thông báo kết luận: %(title)s", title=meeting.title)
            body = _("Thông báo kết luận cuộc họp \"%(title)s\" (%(unit)s, ngày %(day)s) phải "
                     "ban hành chậm nhất ngày %(due)s nhưng chưa được ban hành.",
                     title=meeting.title, unit=meeting.host_unit.name,
                     day=format_date_vi(meeting.start_at), due=format_date_vi(due))
            count = notices.notify_users(_recipients(meeting), "conclusion_overdue", title, body,
                                         now, meeting_id=meeting.id)
            notices.complete_delivery(f"conclusion_overdue:{meeting_id}", count, title)
            db.session.commit()
            sent += 1
    return f"{sent} overdue conclusion notices of {len(candidates)} meetings sent"
