"""What a change of a meeting's papers (events.py) brings with it, in its transaction: a new
version of the meeting (documents, agenda and attendance are part of what the API and feeds
serve under its ETag), then the audit entry."""
from flask_babel import gettext as _

from ..audit.services import diff, record
from ..core.signals import subscribe
from ..meetings.locking import raise_version
from .events import agenda_changed, attendance_recorded, document_added


def new_version(meeting, **_payload) -> None:
    raise_version(meeting)


def audit_document(meeting, actor, document) -> None:
    record(actor, "meeting.document", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Tải lên tài liệu: %(name)s", name=document.name),
           changes={"document": [None, document.name]})


def audit_agenda(meeting, actor, before, items) -> None:
    record(actor, "meeting.agenda", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Cập nhật chương trình họp: %(n)d mục", n=len(items)),
           changes={"agenda_items": [before, [i.title for i in items]]})


def audit_attendance(meeting, actor, unit, before, after) -> None:
    record(actor, "meeting.attendance", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Điểm danh %(unit)s", unit=unit.name), changes=diff(before, after))


def register() -> None:
    subscribe((document_added, agenda_changed, attendance_recorded), new_version)
    for event, audit in ((document_added, audit_document), (agenda_changed, audit_agenda),
                         (attendance_recorded, audit_attendance)):
        subscribe((event,), audit)
