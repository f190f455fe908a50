"""Access asked of the models: a unit, a meeting and a row found by id answer who may see, book,
change, approve and report on them from core/access.py, and nothing outside it names a role."""
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.auth.models import User
from scheduler.core import access
from scheduler.core.errors import Forbidden, NotFound
from scheduler.extensions import db
from scheduler.meetings.models import Meeting, Occurrence, approves
from scheduler.notifications.meeting_notices import approver_ids
from scheduler.rooms.models import Room
from tests.booking_helpers import at

SCHEDULER = Path(__file__).resolve().parent.parent / "scheduler"


def test_a_unit_answers_each_permission_as_core_access_does(tree):
    units = [tree.city, tree.ba_dinh, tree.phuc_xa, tree.hang_bac]
    tree.users.district_staff.active = False
    for user in vars(tree.users).values():
        for unit in units:
            for permission in ("view", "book", "manage", "report"):
                assert getattr(unit, f"can_{permission}")(user) == \
                    access.allowed(user, permission, unit), (user.username, unit.code, permission)
    assert tree.phuc_xa.can_manage(tree.users.district_admin)
    assert not tree.ba_dinh.can_manage(tree.users.ward_admin)
    assert not tree.phuc_xa.can_view(tree.users.district_staff)  # inactive: reaches nothing


def test_who_sees_and_changes_a_meeting(tree, create_meeting):
    meeting = create_meeting(tree.phuc_xa, at(3), participants=[tree.truc_bach])
    users = tree.users
    assert meeting.can_view(users.ward_staff) and meeting.can_change(users.ward_staff)
    # above the host: sees and (a unit admin) changes it; a viewer sees but does not book
    assert meeting.can_change(users.district_admin)
    assert meeting.can_view(users.district_viewer) and not meeting.can_change(users.district_viewer)
    # a stranger and an anonymous visitor see only the public facts
    assert not meeting.can_view(users.other_ward_staff)
    assert not meeting.can_view(None)
    invited = create_meeting(tree.hang_bac, at(4), participants=[tree.phuc_xa])
    assert invited.can_view(users.ward_staff) and not invited.can_change(users.ward_staff)
    # a ballot is for the members of the host and invited units, not for those above them
    assert invited.can_vote(users.ward_staff) and invited.can_vote(users.other_ward_staff)
    assert not meeting.can_vote(users.district_admin) and not meeting.can_vote(None)


def test_the_meetings_visible_to_a_user_are_those_it_may_view(tree, create_meeting):
    meetings = [create_meeting(tree.phuc_xa, at(3)),
                create_meeting(tree.hang_bac, at(3), participants=[tree.truc_bach]),
                create_meeting(tree.hang_bac, at(4)),
                create_meeting(tree.city, at(5), participants=[tree.phuc_xa])]
    db.session.commit()
    for user in vars(tree.users).values():
        shown = set(db.session.scalars(sa.select(Meeting.id).where(Meeting.visible_to(user))))
        assert shown == {m.id for m in meetings if m.can_view(user)}, user.username
    assert set(db.session.scalars(sa.select(Meeting.id).where(
        Meeting.visible_to(tree.users.ward_staff)))) == {meetings[0].id, meetings[3].id}


def test_who_approves_is_who_manages_every_room_needing_approval(tree, create_room,
                                                                 create_meeting):
    ward_hall = create_room(tree.phuc_xa, "Hội trường Phúc Xá", requires_approval=True)
    district_hall = create_room(tree.ba_dinh, "Hội trường Ba Đình", requires_approval=True)
    open_room = create_room(tree.phuc_xa, "Phòng nhỏ")
    users = tree.users
    one = create_meeting(tree.phuc_xa, at(3), rooms=[ward_hall, open_room], status="pending")
    both = create_meeting(tree.phuc_xa, at(4), rooms=[ward_hall, district_hall], status="pending")
    ungated = create_meeting(tree.phuc_xa, at(5), rooms=[open_room])
    assert one.can_approve(users.ward_admin) and one.can_approve(users.district_admin)
    assert not both.can_approve(users.ward_admin) and both.can_approve(users.district_admin)
    assert not one.can_approve(users.ward_staff)
    # without a room needing approval, the host unit's managers decide
    assert ungated.can_approve(users.ward_admin) and not ungated.can_approve(users.ward_staff)
    assert approves(users.ward_staff, [open_room])
    assert not approves(users.ward_staff, [ward_hall])
    # the approvers told of a booking are the users who hold "manage" over one of its rooms
    assert approver_ids(both) == {users.admin.id, users.district_admin.id, users.ward_admin.id}
    assert approver_ids(ungated) == set()


def test_get_or_404_finds_the_row_and_asks_it(tree, create_meeting, create_room):
    meeting = create_meeting(tree.phuc_xa, at(3))
    room = create_room(tree.phuc_xa)
    missing = "Không tìm thấy cuộc họp."
    assert access.get_or_404(Meeting, meeting.id, missing) is meeting
    for ident in (meeting.id + 1000, "1", None, True):
        with pytest.raises(NotFound) as found:
            access.get_or_404(Meeting, ident, missing)
        assert found.value.message == missing
    assert access.get_or_404(Meeting, meeting.id, missing, tree.users.ward_staff, "change")
    with pytest.raises(Forbidden) as refused:
        access.get_or_404(Meeting, meeting.id, missing, tree.users.other_ward_staff, "view",
                          "Bạn không có quyền xem cuộc họp này.")
    assert refused.value.message == "Bạn không có quyền xem cuộc họp này."
    # a row of another owner is not found either: its existence is nobody else's business
    other = create_meeting(tree.phuc_xa, at(4))
    sitting = other.occurrences[0]
    assert access.get_or_404(Occurrence, sitting.id, "-", within={"meeting_id": other.id})
    with pytest.raises(NotFound):
        access.get_or_404(Occurrence, sitting.id, "-", within={"meeting_id": meeting.id})
    # a row without can_<permission> of its own (a room) is reached as its unit is
    assert access.get_or_404(Room, room.id, "-", tree.users.ward_admin, "manage") is room
    with pytest.raises(Forbidden) as refused:
        access.get_or_404(Room, room.id, "-", tree.users.ward_staff, "manage")
    assert refused.value.message == "Bạn không có quyền thực hiện thao tác này."


def test_the_users_holding_a_permission_are_those_it_is_allowed_to(tree):
    for unit in (tree.city, tree.ba_dinh, tree.phuc_xa, tree.hang_bac):
        for permission in access.PERMISSIONS:
            holders = set(db.session.scalars(
                sa.select(User.username).where(User.holding(permission, unit))))
            assert holders == {u.username for u in vars(tree.users).values()
                               if access.allowed(u, permission, unit)}, (unit.code, permission)


# a role named in a comparison, a tuple of roles or a choice list: roles are data in one place
ROLE_NAMED = re.compile(r"""role\s*(==|!=)\s*["']|roles=\(|["'](staff|unit_admin|viewer)["']""")
NAMES_ROLES = {"core/access.py", "core/labels.py"}  # the roles themselves and their labels


def test_no_role_is_named_outside_core_access():
    named = []
    for path in SCHEDULER.rglob("*.py"):
        relative = path.relative_to(SCHEDULER).as_posix()
        if relative in NAMES_ROLES or relative.startswith(("migrations/", "demo/")):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_NAMED.search(line) or re.search(r"""role\s*(==|!=)\s*["']admin""", line):
                named.append(f"{relative}:{number}: {line.strip()}")
    assert named == [], "roles named outside core/access.py:\n" + "\n".join(named)


def test_the_approve_form_is_offered_to_those_the_approval_accepts(tree, create_room,
                                                                   create_meeting, client, auth):
    """A booking of two halls needing approval, the ward's and the district's: the ward's admin
    may not approve it alone, so the page offers them no approve form (it used to, and the
    approval then answered 403); the district's admin gets the form and the approval."""
    ward_hall = create_room(tree.phuc_xa, "Hội trường Phúc Xá", requires_approval=True)
    district_hall = create_room(tree.ba_dinh, "Hội trường Ba Đình", requires_approval=True)
    meeting = create_meeting(tree.phuc_xa, at(4), rooms=[ward_hall, district_hall],
                             status="pending")
    db.session.commit()
    approve = f"/meetings/{meeting.id}/approve"
    auth.login("qt_phucxa")
    assert approve not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    auth.logout()
    auth.login("qt_badinh")
    assert approve in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
