"""Paperless pages: the panel on the meeting page (agenda, documents, attendance, votes), the
forms it posts to, the minutes form, the printable minutes and conclusion notice, and the
list of overdue conclusion notices. Each action calls the same services as the API and
commits once; a refusal is shown on the meeting page and changes nothing."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import require
from ..core.errors import Conflict, TooLarge, UnsupportedMediaType, ValidationError
from ..core.settings import settings
from ..core.timeutil import official_date_line, to_local, today_local, utcnow
from ..core.types import parse_id
from ..extensions import db
from . import agenda, attendance, documents, minutes, votes
from ..core.form_messages import run_flashed
from ..core.requests import body_limit
from ..meetings.queries import get_meeting
from ..units.models import Unit
from .access import require_host, require_reader
from .models import ATTENDANCE_STATUSES, CHOICES

bp = Blueprint("paperless", __name__)

REFUSALS = (ValidationError, Conflict, TooLarge, UnsupportedMediaType)


def _back(meeting_id: int, anchor: str = "paperless"):
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + f"#{anchor}")


def _run(meeting_id: int, action, done: str, anchor: str = "paperless"):
    run_flashed(action, done, REFUSALS)
    return _back(meeting_id, anchor)


@bp.app_template_global("paperless_panel")
def paperless_panel(meeting) -> dict:
    """What the meeting page shows of the paperless parts, for a viewer who sees details."""
    found = documents.documents_of(meeting)
    host = meeting.can_change(current_user)
    rows = attendance.attendance_rows(meeting)
    return {
        "items": agenda.items_of(meeting), "documents": found, "host": host,
        "member": meeting.can_vote(current_user),
        "warning": documents.lead_warning(meeting, found, utcnow()) if host else None,
        "deadline": documents.lead_deadline(meeting),
        "late": {d.id for d in found if documents.is_late(d, meeting)},
        "attendance": rows, "summary": attendance.summary(rows),
        "votes": [votes.vote_dict(v, current_user) for v in votes.votes_of(meeting)],
        "statuses": ATTENDANCE_STATUSES, "choices": CHOICES,
        "due": minutes.conclusion_due(meeting), "minutes": minutes.minutes_of(meeting),
        "overdue": minutes.is_overdue(meeting, minutes.minutes_of(meeting), today_local()),
        "max_mb": settings().document_max_mb,
    }


def parse_agenda_lines(text: str) -> list[dict]:
    """One item per line: "title | presenter | minutes" (presenter and minutes optional)."""
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        items.append({"title": parts[0], "presenter": parts[1] if len(parts) > 1 else "",
                      "minutes": parts[2] if len(parts) > 2 else None})
    return items


@bp.post("/meetings/<int:meeting_id>/agenda")
@login_required
def save_agenda(meeting_id: int):
    meeting = get_meeting(meeting_id)
    current = {item.title: item.id for item in agenda.items_of(meeting)}
    wanted = parse_agenda_lines(request.form.get("items", ""))
    for item in wanted:  # an unchanged title keeps its item (and the documents on it)
        item["id"] = current.pop(item["title"], None)
    return _run(meeting_id, lambda: agenda.replace_agenda(current_user, meeting, wanted),
                _("Đã lưu chương trình họp."))


@bp.post("/meetings/<int:meeting_id>/documents")
@body_limit(documents.upload_limit, documents.too_large_message)
@login_required
def upload_document(meeting_id: int):
    meeting = get_meeting(meeting_id)
    upload = request.files.get("file")
    item = request.form.get("agenda_item")
    if upload is not None and not upload.filename:
        upload = None
    return _run(meeting_id, lambda: documents.upload_document(
        current_user, meeting, upload.stream if upload else None,
        upload.filename if upload else None, item), _("Đã tải lên tài liệu."), "documents")


@bp.post("/meetings/<int:meeting_id>/attendance/<unit_code>")
@login_required
def save_attendance(meeting_id: int, unit_code: str):
    meeting = get_meeting(meeting_id)
    data = {key: request.form.get(key, "") for key in ("status", "person", "substitute", "reason")}
    return _run(meeting_id, lambda: attendance.set_attendance(current_user, meeting, unit_code, data),
                _("Đã ghi nhận điểm danh."), "attendance")


@bp.post("/meetings/<int:meeting_id>/votes")
@login_required
def open_vote(meeting_id: int):
    meeting = get_meeting(meeting_id)
    raw_item = request.form.get("agenda_item", "")
    data = {"question": request.form.get("question", ""),
            "agenda_item": parse_id(raw_item)}
    return _run(meeting_id, lambda: votes.open_vote(current_user, meeting, data),
                _("Đã mở biểu quyết."), "votes")


@bp.post("/votes/<int:vote_id>/ballots")
@login_required
def cast_ballot(vote_id: int):
    vote = votes.get_vote(vote_id)
    return _run(vote.meeting_id, lambda: votes.cast_ballot(
        current_user, vote_id, request.form.get("choice")), _("Đã ghi nhận phiếu biểu quyết."),
        "votes")


@bp.post("/votes/<int:vote_id>/close")
@login_required
def close_vote(vote_id: int):
    vote = votes.get_vote(vote_id)
    return _run(vote.meeting_id, lambda: votes.close_vote(current_user, vote_id),
                _("Đã kết thúc biểu quyết."), "votes")


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@login_required
def edit_minutes(meeting_id: int):
    meeting = get_meeting(meeting_id)
    require_host(current_user, meeting)
    if request.method == "POST":
        data = {name: request.form.get(name, "") for name in minutes.TEXT_FIELDS}
        data["conclusion_issued"] = request.form.get("conclusion_issued") == "1"
        try:
            minutes.save_minutes(current_user, meeting, data, utcnow())
        except ValidationError as err:
            db.session.rollback()
            fields = (err.details or {}).get("fields") or {}
            flash(" ".join([err.message, *map(str, fields.values())]), "error")
        else:
            db.session.commit()
            flash(_("Đã lưu biên bản."), "success")
            return redirect(url_for("paperless.edit_minutes", meeting_id=meeting.id))
    return render_template("paperless/minutes_form.html", meeting=meeting,
                           record=minutes.minutes_of(meeting), due=minutes.conclusion_due(meeting),
                           data=minutes.minutes_dict(meeting, current_user, today_local()))


def _official(meeting, template: str):
    require_reader(current_user, meeting)
    data = minutes.minutes_dict(meeting, current_user, today_local())
    issued = minutes.minutes_of(meeting)
    day = to_local(issued.conclusion_issued_at).date() if issued and issued.conclusion_issued_at \
        else to_local(meeting.end_at).date()
    return render_template(template, meeting=meeting, data=data,
                           items=agenda.items_of(meeting), due=minutes.conclusion_due(meeting),
                           dateline=official_date_line(settings().city_name, day),
                           start=to_local(meeting.start_at), end=to_local(meeting.end_at))


@bp.get("/meetings/<int:meeting_id>/minutes/print")
@login_required
def print_minutes(meeting_id: int):
    return _official(get_meeting(meeting_id), "paperless/minutes_print.html")


@bp.get("/meetings/<int:meeting_id>/conclusion/print")
@login_required
def print_conclusion(meeting_id: int):
    return _official(get_meeting(meeting_id), "paperless/conclusion_print.html")


@bp.get("/paperless/overdue")
@login_required
def overdue():
    """Conclusion notices past due: the user's own bookable units (hosts), or all for admins."""
    require("book")
    rows = minutes.overdue_meetings(utcnow(), today_local(),
                                    scope_unit_ids=Unit.ids_in_reach(current_user, "book"))
    return render_template("paperless/overdue.html", rows=rows, today=today_local())
