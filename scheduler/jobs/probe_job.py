"""probe-endpoints: connect to every endpoint an operator gave an address, record state, latency
and history, and tell people when a ward's endpoint goes down and comes back.

Only addresses inside PROBE_ALLOWED_NETWORKS are ever connected to (endpoints/probing.py): a
row that was saved before the rule, or written straight into the database, is skipped.

Alerts: an endpoint unreachable on two probes in a row raises a notice to its unit's admins
(and an e-mail to them and the unit's technical contact where SMTP is configured); its next
successful probe raises the recovery notice. An online meeting starting within the
connection-test lead time with a unit whose endpoints are all unreachable warns the host unit.
States, history and notices are written in one transaction, each notice claimed in the
NoticeDelivery ledger, so a repeated run or a second runner sends nothing twice.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import User
from ..core.access import OWN, SUBTREE, roles_with
from ..core.db_setup import write_transaction
from ..core.settings import settings
from ..core.timeutil import format_datetime_vi
from ..endpoints.models import Endpoint
from ..endpoints.services import unreachable_unit_ids
from ..endpoints.probing import allowed_networks, checked_targets, probe_many
from ..extensions import db
from ..mail.services import enqueue_mail, smtp_configured
from ..meetings.models import ONLINE_MODES, Meeting, Occurrence
from ..units.models import Unit
from ..notifications import notices
from ..endpoints.models import EndpointCheck
from ..notifications.models import Notification

ALERT_AFTER_FAILURES = 2


def _probed_rows(lock: bool = False) -> list:
    """The endpoints to probe (active, with an address) and their failure count; `lock`:
    FOR UPDATE on PostgreSQL (SQLite: the write transaction holds them all)."""
    query = (sa.select(Endpoint.id, Endpoint.host, Endpoint.port, Endpoint.failed_probes,
                       Endpoint.down_since)
             .where(Endpoint.active.is_(True), Endpoint.host.is_not(None), Endpoint.host != "",
                    Endpoint.port.is_not(None)).order_by(Endpoint.id))
    return db.session.execute(query.with_for_update() if lock else query).all()


def probe_endpoints(now: datetime) -> str:
    given = settings()
    timeout = given.probe_timeout_seconds
    rows = _probed_rows()
    db.session.rollback()  # no transaction held open while the network is slow
    ready, refused = checked_targets(((r.id, r.host, r.port) for r in rows), allowed_networks())
    latencies = probe_many(ready, timeout, given.probe_concurrency)
    probed = {r.id: (r.host, r.port) for r in rows}
    with write_transaction():
        # counted from the state as it is now, not as it was before the probe: another run
        # (`flask jobs once` beside the runner) may have counted meanwhile, and an endpoint
        # given a new address, taken out of service or removed meanwhile is not the one probed
        before = {r.id: r for r in _probed_rows(lock=True) if (r.host, r.port) == probed.get(r.id)}
        latencies = {endpoint_id: latency for endpoint_id, latency in latencies.items()
                     if endpoint_id in before}
        alerts = _record(before, latencies, now)
        keep = timedelta(days=given.probe_history_days)
        db.session.execute(sa.delete(EndpointCheck).where(EndpointCheck.at < now - keep))
        sent = _send_alerts(alerts, now)
        warned = warn_meeting_hosts(now)
        db.session.commit()
    reachable = sum(latency is not None for latency in latencies.values())
    summary = f"{reachable}/{len(latencies)} endpoints reachable"
    if refused:
        summary += f", {len(refused)} outside PROBE_ALLOWED_NETWORKS not probed"
    if sent or warned:
        summary += f", {sent} alerts, {warned} meeting warnings"
    return summary


def _record(before: dict, latencies: dict, now: datetime) -> list[tuple]:
    """Write every probed endpoint's new state and history row; the alerts due, as
    (endpoint id, "endpoint_down" or "endpoint_up", start of the outage)."""
    updates, checks, alerts = [], [], []
    for endpoint_id, latency in latencies.items():
        previous = before[endpoint_id]
        if latency is None:
            failed, since = previous.failed_probes + 1, previous.down_since or now
            if failed == ALERT_AFTER_FAILURES:
                alerts.append((endpoint_id, "endpoint_down", since))
        else:
            failed, since = 0, None
            if previous.failed_probes >= ALERT_AFTER_FAILURES and previous.down_since:
                alerts.append((endpoint_id, "endpoint_up", previous.down_since))
        state = "reachable" if latency is not None else "unreachable"
        updates.append({"endpoint_id": endpoint_id, "state": state, "latency_ms": latency,
                        "last_checked": now, "failed_probes": failed, "down_since": since})
        checks.append({"endpoint_id": endpoint_id, "at": now, "state": state,
                       "latency_ms": latency, "source": "probe"})
    if updates:
        # Core executemany: one statement for ten thousand rows, not one per row
        table = Endpoint.__table__
        db.session.execute(
            table.update().where(table.c.id == sa.bindparam("endpoint_id")).values(
                state=sa.bindparam("state"), latency_ms=sa.bindparam("latency_ms"),
                last_checked=sa.bindparam("last_checked"),
                failed_probes=sa.bindparam("failed_probes"),
                down_since=sa.bindparam("down_since")), updates)
        db.session.execute(EndpointCheck.__table__.insert(), checks)
    return alerts


def alert_recipients(unit: Unit) -> list[User]:
    """The unit's admins; a ward without one is looked after by the nearest unit above it
    that has some."""
    for candidate in [unit, *reversed(unit.ancestors())]:
        users = list(db.session.scalars(sa.select(User).where(
            User.unit_id == candidate.id, User.role.in_(roles_with("manage", OWN, SUBTREE)),
            User.active.is_(True))
            .order_by(User.id)))
        if users:
            return users
    return []


def _alert_templates() -> dict[str, tuple[str, str]]:
    """The notices' subject and body in the current language, translated once a run (a
    city-wide outage formats thousands of them)."""
    return {
        "endpoint_down": (
            _("Mất kết nối điểm cầu: %(name)s"),
            _("Điểm cầu %(where)s không kết nối được từ %(since)s (%(n)d lần kiểm tra liên "
              "tiếp). Đề nghị cán bộ kỹ thuật kiểm tra thiết bị và đường truyền.")),
        "endpoint_up": (
            _("Điểm cầu đã kết nối lại: %(name)s"),
            _("Điểm cầu %(where)s đã kết nối lại lúc %(now)s, sau khi mất kết nối từ %(since)s.")),
    }


def _send_alerts(alerts: list[tuple], now: datetime) -> int:
    """Claim every alert in the ledger at once and notify for those not delivered before:
    a city-wide outage is thousands of alerts, which must not take a statement each."""
    if not alerts:
        return 0
    endpoints = {row.id: row for row in db.session.execute(
        sa.select(Endpoint.id, Endpoint.name, Endpoint.host, Endpoint.port, Endpoint.unit_id,
                  Unit.name.label("unit_name"), Unit.tech_email)
        .join(Unit, Unit.id == Endpoint.unit_id)
        .where(Endpoint.id.in_([endpoint_id for endpoint_id, _kind, _since in alerts])))}
    templates, recipients, prepared = _alert_templates(), {}, {}
    for endpoint_id, kind, since in alerts:
        endpoint = endpoints[endpoint_id]
        if endpoint.unit_id not in recipients:
            recipients[endpoint.unit_id] = alert_recipients(db.session.get(Unit, endpoint.unit_id))
        key = f"{kind}:e{endpoint_id}:{since.strftime('%Y%m%dT%H%M%SZ')}"
        subject, body = templates[kind]
        values = {"name": endpoint.name, "n": ALERT_AFTER_FAILURES,
                  "where": f"{endpoint.name} ({endpoint.unit_name}, {endpoint.host}:{endpoint.port})",
                  "since": format_datetime_vi(since), "now": format_datetime_vi(now)}
        prepared[key] = (endpoint, kind, since, subject % values, body % values)
    claimed = notices.claim_deliveries([
        {"key": key, "kind": kind, "start_at": since, "delivered_at": now,
         "recipients": len(recipients[endpoint.unit_id]), "summary": subject[:300]}
        for key, (endpoint, kind, since, subject, _body) in prepared.items()])
    rows, mail = [], smtp_configured()
    for key in claimed:
        endpoint, kind, _since, subject, body = prepared[key]
        users = recipients[endpoint.unit_id]
        rows += [{"user_id": u.id, "kind": kind, "title": subject[:300], "body": body,
                  "meeting_id": None, "created_at": now} for u in users]
        if mail:
            enqueue_mail([endpoint.tech_email, *(u.email for u in users)], subject, body,
                         purpose=kind)
    if rows:
        db.session.execute(sa.insert(Notification), rows)
    return len(claimed)


def warn_meeting_hosts(now: datetime) -> int:
    """Notify the host unit of every online meeting starting within the connection-test lead
    time of each of its units whose endpoint is unreachable, once per sitting and unit."""
    lead = timedelta(minutes=settings().endpoint_test_lead_minutes)
    sittings = db.session.scalars(
        sa.select(Occurrence).join(Meeting)
        .where(Occurrence.status == "scheduled", Meeting.status == "scheduled",
               Meeting.mode.in_(ONLINE_MODES), Occurrence.start_at > now,
               Occurrence.start_at <= now + lead)
        .order_by(Occurrence.start_at)).all()
    warned = 0
    for sitting in sittings:
        meeting = sitting.meeting
        units = notices.meeting_units(meeting)
        down = unreachable_unit_ids(u.id for u in units)
        for unit in (u for u in units if u.id in down):
            key = (f"meeting_unreachable:m{meeting.id}:{sitting.start_at:%Y%m%dT%H%MZ}"
                   f":u{unit.id}")
            if not notices.claim_delivery(key, "meeting_unreachable", now,
                                          occurrence_id=sitting.id, start_at=sitting.start_at):
                continue
            subject = _("Điểm cầu chưa kết nối được: %(unit)s – %(title)s", unit=unit.name,
                        title=meeting.title)
            body = _("Cuộc họp trực tuyến %(title)s bắt đầu lúc %(when)s nhưng điểm cầu của "
                     "%(unit)s hiện không kết nối được. Đề nghị liên hệ cán bộ kỹ thuật của đơn vị "
                     "(%(contact)s).", title=meeting.title,
                     when=format_datetime_vi(sitting.start_at), unit=unit.name,
                     contact=", ".join(filter(None, [unit.tech_name, unit.tech_phone,
                                                     unit.tech_email])) or "—")
            users = notices.active_users_of([meeting.host_unit_id],
                                            roles=roles_with("book", OWN, SUBTREE))
            notified = notices.notify_users(users, "meeting_unreachable", subject, body, now,
                                            meeting_id=meeting.id)
            notices.complete_delivery(key, notified, subject)
            warned += 1
    return warned
