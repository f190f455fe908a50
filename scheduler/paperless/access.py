"""Who may read and write a meeting's paperless parts, on top of core.access.

Reading (agenda, documents, attendance, votes, minutes) is for those who see the meeting's
details (Meeting.can_view); writing for those who may change it (Meeting.can_change). Voting
is narrower: one's own unit must be the host or an invited unit.
"""
from flask_babel import gettext as _

from ..core.errors import Conflict, Forbidden
from ..meetings.models import Meeting
from ..meetings.serializers import involved_unit_ids


def require_reader(user, meeting: Meeting) -> None:
    if not meeting.can_view(user):
        raise Forbidden(_("Chỉ đơn vị chủ trì và các đơn vị được mời xem được nội dung này."))


def require_host(user, meeting: Meeting) -> None:
    if not meeting.can_change(user):
        raise Forbidden(_("Chỉ cán bộ của đơn vị chủ trì được thực hiện thao tác này."))


def require_open_meeting(meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise Conflict(_("Cuộc họp đã bị hủy."))


def is_invited_member(user, meeting: Meeting) -> bool:
    """The user belongs to the host unit or one of the invited units."""
    return (getattr(user, "is_authenticated", False) and user.active
            and user.unit_id in involved_unit_ids(meeting))
