"""Meeting documents: uploaded by the host, recognised by content, kept under DOCUMENT_DIR
(instance/documents by default — outside static/, so no URL reaches a file except through the
checked download), downloadable by users of the host and the invited units; every opening is
recorded.

The file is written before the database row is committed; a failed commit leaves an orphan
file under the meeting's folder, never a row without its file.
"""
import hashlib
import os
import re
import shutil
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..core.db_setup import write_transaction
from ..core.access import get_or_404
from ..core.errors import NotFound, TooLarge, UnsupportedMediaType
from ..core.settings import settings
from ..core.timeutil import format_datetime_vi, to_local, utcnow
from ..core.types import parse_id
from ..extensions import db
from ..meetings.inputs import invalid
from . import filetypes
from .access import require_host, require_open_meeting, require_reader
from .events import document_added
from .models import AgendaItem, DocumentRead, MeetingDocument

MB = 1024 * 1024
MULTIPART_SLACK = 64 * 1024
NAME_MAX = 255
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def document_dir() -> Path:
    configured = settings().document_dir
    return Path(configured) if configured else Path(current_app.instance_path) / "documents"


def max_bytes() -> int:
    return int(settings().document_max_mb * MB)


def upload_limit() -> int:
    """The largest request that may carry one document: the multipart framing is allowed on
    top, so that a file of exactly the limit passes and _spool's check gives the message."""
    return max_bytes() + MULTIPART_SLACK


def too_large_message() -> str:
    return _("Tài liệu vượt quá dung lượng cho phép (%(n)s MB).",
             n=f"{settings().document_max_mb:g}")


def lead_deadline(meeting) -> datetime:
    """Documents are due DOCUMENT_LEAD_DAYS before the meeting starts."""
    return meeting.start_at - timedelta(days=settings().document_lead_days)


def is_late(document: MeetingDocument, meeting) -> bool:
    return document.uploaded_at > lead_deadline(meeting)


def documents_of(meeting) -> list[MeetingDocument]:
    return list(db.session.scalars(sa.select(MeetingDocument)
                                   .where(MeetingDocument.meeting_id == meeting.id)
                                   .order_by(MeetingDocument.uploaded_at, MeetingDocument.id)))


def get_document(document_id) -> MeetingDocument:
    return get_or_404(MeetingDocument, document_id, _("Không tìm thấy tài liệu."))


def _clean_name(name: str | None, content_type: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    base = _UNSAFE_NAME.sub("", base).strip() or _("tai-lieu")
    extension = filetypes.EXTENSIONS[content_type]
    if not base.lower().endswith(extension):
        base = os.path.splitext(base)[0] + extension
    if len(base) > NAME_MAX:
        base = base[: NAME_MAX - len(extension)] + extension
    return base


def _agenda_item(meeting, raw) -> AgendaItem | None:
    if raw in (None, ""):
        return None
    item = db.session.get(AgendaItem, parse_id(raw)) if parse_id(raw) else None
    if item is None or item.meeting_id != meeting.id:
        raise invalid({"agenda_item": _("Mục chương trình không thuộc cuộc họp này.")})
    return item


def _spool(stream: BinaryIO, limit: int) -> tuple[BinaryIO, int, str]:
    """Copy the upload to a temporary file, refusing it as soon as it passes `limit` bytes."""
    spooled = tempfile.TemporaryFile()
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(256 * 1024):
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise TooLarge(too_large_message())
        digest.update(chunk)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, size, digest.hexdigest()


def upload_document(actor, meeting, stream: BinaryIO | None, filename: str | None,
                    agenda_item=None) -> MeetingDocument:
    require_host(actor, meeting)
    require_open_meeting(meeting)
    if stream is None:
        raise invalid({"file": _("Chưa chọn tệp tài liệu.")})
    item = _agenda_item(meeting, agenda_item)
    spooled, size, sha256 = _spool(stream, max_bytes())
    try:
        if size == 0:
            raise invalid({"file": _("Tệp rỗng.")})
        content_type = filetypes.detect(spooled)
        if content_type is None:
            raise UnsupportedMediaType(_("Chỉ nhận tài liệu PDF, DOCX, XLSX hoặc PPTX (nhận "
                                         "biết theo nội dung tệp, không theo tên tệp)."))
        key = f"{meeting.id}/{uuid.uuid4().hex}{filetypes.EXTENSIONS[content_type]}"
        target = document_dir() / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as out:
            shutil.copyfileobj(spooled, out)
    finally:
        spooled.close()
    document = MeetingDocument(
        meeting_id=meeting.id, agenda_item_id=item.id if item else None,
        name=_clean_name(filename, content_type), content_type=content_type, size=size,
        sha256=sha256, storage_key=key, uploaded_by_id=actor.id, uploaded_at=utcnow())
    db.session.add(document)
    db.session.flush()
    document_added.send(meeting, actor=actor, document=document)
    return document


def open_document(viewer, document: MeetingDocument, now: datetime) -> Path:
    """The file's path, once the viewer is checked and the opening recorded."""
    meeting = document.meeting
    require_reader(viewer, meeting)
    path = document_dir() / document.storage_key
    if not path.is_file():
        raise NotFound(_("Tệp tài liệu không còn trên máy chủ."))
    _record_read(document.id, viewer.id, now)
    return path


def _record_read(document_id: int, user_id: int, now: datetime) -> None:
    """One row per reader, counted in one statement (two openings at once both count). A
    download is a GET, whose transaction on SQLite began without the write lock: a write in
    it fails at once ("database is locked") when another request wrote since it began, so
    the write starts a transaction of its own that takes the lock first."""
    values = {"document_id": document_id, "user_id": user_id, "first_opened_at": now,
              "last_opened_at": now, "times": 1}
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(DocumentRead).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["document_id", "user_id"],
        set_={"last_opened_at": now, "times": DocumentRead.times + 1})
    with write_transaction():
        db.session.execute(statement)


def document_dict(document: MeetingDocument, meeting, viewer) -> dict:
    data = {"id": document.id, "name": document.name, "size": document.size,
            "content_type": document.content_type, "agenda_item": document.agenda_item_id,
            "uploaded_at": to_local(document.uploaded_at).isoformat(),
            "late": is_late(document, meeting)}
    if meeting.can_change(viewer):
        data["opened_by"] = [
            {"user": read.user.username, "name": read.user.full_name or read.user.username,
             "unit": read.user.unit.code, "at": to_local(read.first_opened_at).isoformat(),
             "times": read.times} for read in document.reads]
    return data


def lead_warning(meeting, documents, now: datetime) -> str | None:
    """What the host is told about the distribution deadline, or None when all is in time."""
    deadline = lead_deadline(meeting)
    late = [d for d in documents if d.uploaded_at > deadline]
    if late:
        return _("%(n)d tài liệu được gửi sau hạn phát hành %(deadline)s (trước cuộc họp "
                 "%(days)s ngày).", n=len(late), deadline=format_datetime_vi(deadline),
                 days=settings().document_lead_days)
    if not documents and now > deadline and meeting.start_at > now:
        return _("Chưa có tài liệu nào dù đã quá hạn phát hành %(deadline)s.",
                 deadline=format_datetime_vi(deadline))
    return None
