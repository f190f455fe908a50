"""What a change of a meeting's papers brings with it (events.py): the meeting's version
rises, since documents, agenda and attendance are part of what the API and the calendar
feeds serve under its ETag, and the change gets its audit entry, in the same transaction."""
from flask_babel import gettext as _

from ..audit.services import diff, record
from ..core.signals import subscribe
from ..meetings.locking import raise_version
from .events import agenda_changed, attendance_recorded, document_added


def bump_version(meeting, **_payload) -> None:
    raise_version(meeting)


def audit_document(meeting, *, actor, document) -> None:
    record(actor, "meeting.document", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Tải lên tài liệu: %(name)s", name=document.name),
           changes={"document": [None, document.name]})


def audit_agenda(meeting, *, actor, before, items) -> None:
    record(actor, "meeting.agenda", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Cập nhật chương trình họp: %(n)d mục", n=len(items)),
           changes={"agenda_items": [before, [i.title for i in items]]})


def audit_attendance(meeting, *, actor, unit, before, after) -> None:
    record(actor, "meeting.attendance", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Điểm danh %(unit)s", unit=unit.name), changes=diff(before, after))


def register() -> None:
    """Connect them once per process; the version rises before the entry is written."""
    subscribe((document_added, agenda_changed, attendance_recorded), bump_version)
    subscribe((document_added,), audit_document)
    subscribe((agenda_changed,), audit_agenda)
    subscribe((attendance_recorded,), audit_attendance)
