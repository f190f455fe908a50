"""The paperless routes of the JSON API (registered on the API blueprint). Each parses, calls
a service and commits once."""
from flask import jsonify, request, send_file
from flask_login import current_user, login_required

from ..core.requests import body_limit
from ..core.timeutil import to_local, utcnow
from ..extensions import db
from ..meetings.queries import get_meeting
from ..paperless import agenda, attendance, documents, filetypes, minutes, votes
from ..paperless.access import require_reader
from . import body, bp, schemas
from .helpers import json_body


@bp.get("/meetings/<int:meeting_id>/agenda")
@bp.response(200, schemas.Agenda)
@login_required
def get_agenda(meeting_id):
    """The meeting's agenda items"""
    meeting = get_meeting(meeting_id)
    require_reader(current_user, meeting)
    return jsonify({"items": [agenda.item_dict(i) for i in agenda.items_of(meeting)]})


@bp.put("/meetings/<int:meeting_id>/agenda")
@body(schemas.Agenda)
@bp.response(200, schemas.Agenda)
@bp.alt_response(409, schema=schemas.Error, description="The meeting is cancelled")
@login_required
def put_agenda(meeting_id):
    """Replace the agenda (items with an id keep their identity)"""
    meeting = get_meeting(meeting_id)
    items = agenda.replace_agenda(current_user, meeting, json_body().get("items"))
    body = {"items": [agenda.item_dict(i) for i in items]}
    db.session.commit()
    return jsonify(body)


@bp.post("/meetings/<int:meeting_id>/documents")
@body(schemas.Upload, content_type="multipart/form-data")
@bp.response(201, schemas.Document, description="Stored")
@bp.alt_response(413, schema=schemas.Error, description="Larger than DOCUMENT_MAX_MB")
@bp.alt_response(409, schema=schemas.Error, description="The meeting is cancelled")
@bp.alt_response(415, schema=schemas.Error, description="Not a PDF, DOCX, XLSX or PPTX")
@body_limit(documents.upload_limit, documents.too_large_message)
@login_required
def upload_document(meeting_id):
    """Upload a document (PDF, DOCX, XLSX, PPTX, recognised by content)"""
    meeting = get_meeting(meeting_id)
    upload = request.files.get("file")
    document = documents.upload_document(
        current_user, meeting, upload.stream if upload else None,
        upload.filename if upload else None, request.form.get("agenda_item"))
    body = documents.document_dict(document, meeting, current_user)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/meetings/<int:meeting_id>/documents")
@bp.response(200, schemas.DocumentList)
@login_required
def list_documents(meeting_id):
    """The meeting's documents (who opened them: host only)"""
    meeting = get_meeting(meeting_id)
    require_reader(current_user, meeting)
    found = documents.documents_of(meeting)
    warning = (documents.lead_warning(meeting, found, utcnow())
               if meeting.can_change(current_user) else None)
    return jsonify({"documents": [documents.document_dict(d, meeting, current_user) for d in found],
                    "deadline": to_local(documents.lead_deadline(meeting)).isoformat(),
                    "warning": warning})


@bp.get("/documents/<int:document_id>")
@bp.doc(responses={"200": {
    "description": "The file, as the type its content was recognised as",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in filetypes.EXTENSIONS}}})
@login_required
def download_document(document_id):
    """Download a document (the opening is recorded)"""
    document = documents.get_document(document_id)
    path = documents.open_document(current_user, document, utcnow())
    db.session.commit()
    return send_file(path, mimetype=document.content_type, as_attachment=True,
                     download_name=document.name, max_age=0)


@bp.get("/meetings/<int:meeting_id>/attendance")
@bp.response(200, schemas.AttendanceList)
@login_required
def get_attendance(meeting_id):
    """Attendance per invited unit, with a summary"""
    meeting = get_meeting(meeting_id)
    require_reader(current_user, meeting)
    rows = attendance.attendance_rows(meeting)
    return jsonify({"attendance": rows, "summary": attendance.summary(rows)})


@bp.put("/meetings/<int:meeting_id>/attendance/<unit_code>")
@body(schemas.AttendanceInput)
@bp.response(200, schemas.Attendance)
@bp.alt_response(409, schema=schemas.Error, description="The meeting is cancelled")
@login_required
def put_attendance(meeting_id, unit_code):
    """Record one invited unit's attendance"""
    meeting = get_meeting(meeting_id)
    attendance.set_attendance(current_user, meeting, unit_code, json_body())
    rows = attendance.attendance_rows(meeting)
    db.session.commit()
    return jsonify(next(r for r in rows if r["unit"] == unit_code))


@bp.get("/meetings/<int:meeting_id>/votes")
@bp.response(200, schemas.Votes)
@login_required
def list_votes(meeting_id):
    """The meeting's votes"""
    meeting = get_meeting(meeting_id)
    require_reader(current_user, meeting)
    return jsonify({"votes": [votes.vote_dict(v, current_user) for v in votes.votes_of(meeting)]})


@bp.post("/meetings/<int:meeting_id>/votes")
@body(schemas.NewVote)
@bp.response(201, schemas.Vote, description="Opened")
@bp.alt_response(409, schema=schemas.Error, description="The meeting is cancelled")
@login_required
def open_vote(meeting_id):
    """Open a named vote (host)"""
    vote = votes.open_vote(current_user, get_meeting(meeting_id), json_body())
    body = votes.vote_dict(vote, current_user)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/votes/<int:vote_id>/ballots")
@body(schemas.Choice)
@bp.response(201, schemas.Ballot, description="Counted")
@bp.alt_response(409, schema=schemas.Error,
                 description="The vote is closed, or this person has voted already")
@login_required
def cast_ballot(vote_id):
    """Cast one's ballot (users of the host and the invited units, once)"""
    data = json_body()
    ballot = votes.cast_ballot(current_user, vote_id, data.get("choice"))
    body = {"vote": vote_id, "choice": ballot.choice,
            "cast_at": to_local(ballot.cast_at).isoformat()}
    db.session.commit()
    return jsonify(body), 201


@bp.post("/votes/<int:vote_id>/close")
@bp.response(200, schemas.Vote)
@bp.alt_response(409, schema=schemas.Error, description="Closed already")
@login_required
def close_vote(vote_id):
    """Close a vote (host): results in numbers and percent"""
    vote = votes.close_vote(current_user, vote_id)
    body = votes.vote_dict(vote, current_user)
    db.session.commit()
    return jsonify(body)


@bp.get("/meetings/<int:meeting_id>/minutes")
@bp.response(200, schemas.Minutes)
@login_required
def get_minutes(meeting_id):
    """The minutes and the conclusion notice's due date"""
    meeting = get_meeting(meeting_id)
    require_reader(current_user, meeting)
    return jsonify(minutes.minutes_dict(meeting, current_user, to_local(utcnow()).date()))


@bp.put("/meetings/<int:meeting_id>/minutes")
@body(schemas.MinutesInput)
@bp.response(200, schemas.Minutes)
@login_required
def put_minutes(meeting_id):
    """Write the minutes; issue the conclusion notice"""
    meeting = get_meeting(meeting_id)
    now = utcnow()
    minutes.save_minutes(current_user, meeting, json_body(), now)
    body = minutes.minutes_dict(meeting, current_user, to_local(now).date())
    db.session.commit()
    return jsonify(body)
