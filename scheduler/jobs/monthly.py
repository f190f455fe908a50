"""The monthly target report mailed to the city's admins on the first working day of a month."""
import base64
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import User
from ..core.access import roles_with
from ..core.db_setup import write_transaction
from ..core.timeutil import to_local
from ..core.workdays import first_working_day, previous_month
from ..extensions import db
from ..mail.services import enqueue_mail, smtp_configured
from ..notifications import notices

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_attachment(admin: User, year: int, month: int, now: datetime) -> dict:
    """The targets report of the month over the admin's default scope (the whole city), built
    by the reports domain's own services and Excel export."""
    from ..reports import export, services
    from ..reports.periods import calendar_period

    period = calendar_period("month", year, month)
    scope = services.default_scope(admin)
    reports = services.target_reports(admin, scope, period, now, to_local(now).date())
    data = export.workbook(scope, period, reports)
    return {"filename": f"bao-cao-chi-tieu-{year}-{month:02d}.xlsx", "content_type": XLSX,
            "data_b64": base64.b64encode(data).decode("ascii")}


def send_monthly_report(now: datetime) -> str:
    """Sends nothing before the month's first working day (weekends and Vietnamese public
    holidays skipped); from then on, once per month: the ledger key names the reported month,
    so a runner that was down on that day catches up later in the month, and never twice."""
    today = to_local(now).date()
    first = first_working_day(today.year, today.month)
    if today < first:
        return f"waiting for the first working day ({first.isoformat()})"
    month_start, _month_end = previous_month(today)
    key = f"monthly_report:{month_start:%Y-%m}"
    with write_transaction():
        admins = list(db.session.scalars(sa.select(User).where(
            User.role.in_(roles_with("administer")), User.active.is_(True)).order_by(User.id)))
        if not admins:
            db.session.rollback()
            return "no admin to report to"
        if not notices.claim_delivery(key, "monthly_report", now):
            db.session.rollback()
            return f"report of {month_start:%m/%Y} already sent"
        subject = _("Báo cáo chỉ tiêu họp trực tuyến tháng %(month)s",
                    month=f"{month_start:%m/%Y}")
        body = _("Kính gửi quản trị hệ thống,\n\nĐính kèm là số liệu các chỉ tiêu họp trực "
                 "tuyến tháng %(month)s (tệp Excel). Báo cáo chi tiết xem tại mục Báo cáo của "
                 "hệ thống Lịch họp trực tuyến.", month=f"{month_start:%m/%Y}")
        notified = notices.notify_users([a.id for a in admins], "monthly_report", subject,
                                        body, now)
        addresses = [a.email for a in admins if a.email]
        mail = None
        if smtp_configured() and addresses:
            attachment = _report_attachment(admins[0], month_start.year, month_start.month, now)
            mail = enqueue_mail(addresses, subject, body, attachments=[attachment],
                                purpose="monthly_report")
        recipients = notified + (len(mail.recipients) if mail else 0)
        notices.complete_delivery(key, recipients, subject)
        db.session.commit()
    return f"report of {month_start:%m/%Y} sent to {len(admins)} admins"
