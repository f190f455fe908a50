"""Who may read and write a meeting's paperless parts, on top of core.access.

Reading (agenda, documents, attendance, votes, minutes) is for those who see the meeting's
details (Meeting.can_view); writing for those who may change it (Meeting.can_change); voting
for the members of the host and invited units (Meeting.can_vote).
"""
from flask_babel import gettext as _

from ..core.errors import Conflict, Forbidden
from ..meetings.models import Meeting


def require_reader(user, meeting: Meeting) -> None:
    if not meeting.can_view(user):
        raise Forbidden(_("Chỉ đơn vị chủ trì và các đơn vị được mời xem được nội dung này."))


def require_host(user, meeting: Meeting) -> None:
    if not meeting.can_change(user):
        raise Forbidden(_("Chỉ cán bộ của đơn vị chủ trì được thực hiện thao tác này."))


def require_open_meeting(meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise Conflict(_("Cuộc họp đã bị hủy."))
