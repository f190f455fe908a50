"""Routes: the feeds (no sign-in, the token is the key), the subscriptions page with token
management, and the .ics import."""
from datetime import datetime

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.http import http_date

from ..auth.models import User
from ..core.access import get_or_404, require
from ..core.db_setup import write_transaction
from ..core.errors import DomainError, NotFound, ValidationError
from ..core.timeutil import utcnow
from ..extensions import db
from ..mail.services import mail_problems
from ..meetings.queries import get_meeting
from ..meetings.services import book_meeting
from ..rooms.models import Room
from ..units.models import Unit
from ..core.replica import reads_replica
from ..core.read_only import read_only
from . import bp, feeds, import_ics, invitations
from .forms import ImportForm


@bp.app_template_global()
def meeting_mail_problems(meeting_id: int):
    """For templates/calendar/_mail_status.html on the meeting page."""
    return mail_problems(meeting_id)


@reads_replica
def _feed_response(kind: str, token: str):
    owner = feeds.owner_by_token(kind, token)
    now = utcnow()
    etag, last_modified = feeds.feed_state(kind, owner, now)
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache",
               "Last-Modified": _http_date(last_modified)}
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2)
    if request.if_none_match:
        if request.if_none_match.contains_weak(etag):  # weak comparison (RFC 9110 13.1.2)
            return Response(status=304, headers=headers)
    elif request.if_modified_since and request.if_modified_since >= last_modified:
        return Response(status=304, headers=headers)
    body = feeds.feed_bytes(kind, owner, now)
    headers["Content-Disposition"] = f'inline; filename="{kind}.ics"'
    return Response(body, mimetype="text/calendar", headers=headers,
                    content_type="text/calendar; charset=utf-8")


def _http_date(value) -> str:
    return http_date(value)


@bp.get("/unit/<token>.ics")
@read_only
def unit_feed(token):
    return _feed_response("unit", token)


@bp.get("/room/<token>.ics")
@read_only
def room_feed(token):
    return _feed_response("room", token)


@bp.get("/user/<token>.ics")
@read_only
def user_feed(token):
    return _feed_response("user", token)


def _page_unit() -> Unit:
    code = request.args.get("unit")
    if not code:
        return current_user.unit
    unit = Unit.by_code(code)
    if unit is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=code))
    return unit


@bp.get("")
@login_required
def subscriptions():
    unit = _page_unit()
    targets = feeds.subscription_targets(current_user, unit)
    return render_template("calendar/subscriptions.html", unit=unit, targets=targets)


def _owner(kind: str, owner_id: int):
    model = {"unit": Unit, "room": Room, "user": User}.get(kind)
    if model is None:
        raise NotFound(_("Không tìm thấy lịch."))
    return get_or_404(model, owner_id, _("Không tìm thấy lịch."))


@bp.post("/tokens/<kind>/<int:owner_id>/<action>")
@login_required
def change_token(kind, owner_id, action):
    owner = _owner(kind, owner_id)
    token = feeds.change_feed_token(current_user, kind, owner, action)
    db.session.commit()
    unit = owner if kind == "unit" else owner.unit
    if action == "revoke":
        flash(_("Đã thu hồi liên kết lịch; các lịch đã đăng ký bằng liên kết cũ sẽ ngừng cập nhật."),
              "success")
        args = {} if unit.id == current_user.unit_id else {"unit": unit.code}
        return redirect(url_for("calendar.subscriptions", **args))
    # the new link is shown on this answer only (no redirect): the database keeps its hash
    flash(_("Đã tạo liên kết lịch mới; liên kết cũ (nếu có) không còn dùng được. Hãy sao chép "
            "liên kết ngay: vì lý do bảo mật, nó chỉ hiện lần này."), "success")
    targets = feeds.subscription_targets(current_user, unit, fresh=(kind, owner.id, token))
    response = make_response(render_template("calendar/subscriptions.html", unit=unit,
                                             targets=targets))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/meetings/<int:meeting_id>/mail/<int:mail_id>/resend")
@login_required
def resend_mail(meeting_id, mail_id):
    """The meeting page's "send again" for an invitation e-mail that could not be delivered."""
    meeting = get_meeting(meeting_id)
    try:
        with write_transaction():
            invitations.resend(current_user, meeting, mail_id, utcnow())
    except ValidationError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Thư sẽ được gửi lại trong ít phút."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/import", methods=["GET", "POST"], endpoint="import_ics")
@login_required
def import_page():
    require("book", current_user.unit)  # the page books for the user's own unit
    form = ImportForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("calendar/import.html", form=form), status
    try:
        events = import_ics.parse_file(form.file.data.read())
    except DomainError as err:
        form.file.errors.append(err.message)
        return render_template("calendar/import.html", form=form), err.status
    report = {"created": [], "refused": []}
    booked = {}  # event index -> the meeting booked from it
    # one file, one transaction: either every event is booked or nothing is, and each refused
    # event says why (each is tried in a savepoint of its own, so that the others still get
    # their verdict)
    with write_transaction():
        # overrides last: the series they change must be booked first, wherever they are
        for item in sorted(events, key=lambda e: e.override):
            if item.problem:
                _refuse(report, item, item.problem)
            elif item.override:
                _apply_override(item, report, booked.get(item.master_index))
            else:
                booked[item.index] = _book_one(item, report)
    for rows in report.values():
        rows.sort(key=lambda row: row["event"].index)
    if report["refused"]:
        db.session.rollback()
        return render_template("calendar/import_report.html", report=report, meetings=0,
                               changes=0, would_book=len(report["created"]),
                               nothing_imported=True), 422
    meetings = sum(1 for row in report["created"] if not row.get("change"))
    body = render_template("calendar/import_report.html", report=report, meetings=meetings,
                           changes=len(report["created"]) - meetings)
    db.session.commit()
    return body


def _refuse(report: dict, item, reason: str, details: dict | None = None) -> None:
    def moment(value):
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    conflicts = [dict(c, start=moment(c["start"]), end=moment(c["end"]))
                 for c in (details or {}).get("conflicts") or []]
    report["refused"].append({"event": item, "reason": reason, "conflicts": conflicts})


def _book_one(item, report: dict):
    savepoint = db.session.begin_nested()
    try:
        meeting = book_meeting(current_user, import_ics.booking_request(current_user, item))
        meeting.source_uid = item.uid or None
        db.session.flush()
    except DomainError as err:
        _undo(savepoint)
        _refuse(report, item, err.message, err.details)
        return None
    savepoint.commit()
    report["created"].append({"event": item, "meeting": meeting})
    return meeting


def _undo(savepoint) -> None:
    if savepoint is db.session().get_nested_transaction():  # not yet rolled back by the booking
        savepoint.rollback()


def _apply_override(item, report: dict, meeting) -> None:
    """A moved or cancelled sitting, applied to the series booked from its master."""
    if meeting is None:
        _refuse(report, item, import_ics.master_refused(item.master_index))
        return
    savepoint = db.session.begin_nested()
    try:
        change, occurrence = import_ics.apply_override(current_user, meeting, item)
        db.session.flush()
    except DomainError as err:
        _undo(savepoint)
        _refuse(report, item, err.message, err.details)
    except import_ics.Refusal as err:
        _undo(savepoint)
        _refuse(report, item, str(err))
    else:
        savepoint.commit()
        report["created"].append({"event": item, "meeting": meeting, "change": change,
                                  "occurrence": occurrence})
