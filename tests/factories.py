"""Factories in the style of Indico's test fixtures, `create_x(**params)`, and the data sets
that several test modules share (a small tree, its rooms and mailboxes, the 2025 reform, a
paperless meeting, April 2024 for the reports). A plugin of tests/conftest.py
(`pytest_plugins`): every test sees these fixtures by name, without importing them."""
import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from dateutil.rrule import rrulestr
from flask import g

from scheduler.auth import services as auth_services
from scheduler.auth.models import User
from scheduler.core.timeutil import LOCAL_TZ, UTC
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.meetings import services as meeting_services
from scheduler.meetings.models import Meeting, Occurrence
from scheduler.rooms.models import Room
from scheduler.units.models import Unit
from tests.booking_helpers import at, request_for

PASSWORD = "matkhau123"


@pytest.fixture
def create_unit():
    def _create(code, name=None, kind="ward", parent=None, **kw):
        unit = Unit(code=code, name=name or f"Đơn vị {code}", kind=kind, parent=parent, **kw)
        db.session.add(unit)
        db.session.flush()
        unit.path = unit.compute_path()
        db.session.flush()
        return unit
    return _create


@pytest.fixture
def create_user():
    def _create(username, role="staff", unit=None, password=PASSWORD, **kw):
        user = User(username=username, role=role, unit=unit, full_name=kw.pop("full_name", username), **kw)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user
    return _create


@pytest.fixture
def create_room():
    def _create(unit, name="Phòng họp số 1", **kw):
        kw.setdefault("capacity", 30)
        room = Room(unit=unit, name=name, **kw)
        db.session.add(room)
        db.session.flush()
        return room
    return _create


@pytest.fixture
def create_endpoint():
    def _create(unit, name=None, deployed=True, wan=True, **kw):
        kw.setdefault("protocol", "sip")
        ep = Endpoint(unit=unit, name=name or f"Điểm cầu {unit.name}",
                      host=kw.pop("host", "127.0.0.2"), port=kw.pop("port", 5060),
                      wan_connected_on=date(2018, 1, 1) if wan else None,
                      vc_deployed_on=date(2019, 1, 1) if deployed else None, **kw)
        db.session.add(ep)
        db.session.flush()
        return ep
    return _create


@pytest.fixture
def create_meeting(app):
    """A meeting built straight from the models, for tests that need a precise state (a held
    series, hostile text, a past meeting) without the booking rules: one Occurrence per sitting,
    as the booking service stores them.

    The sittings start at `start` (aware) and, for a series, at each of `extra_starts`, or at
    each instance of `rrule` (the first `count` of them); each lasts `minutes` (or until `end`
    for the first). Every sitting takes the meeting's `status` unless `occurrence_statuses` gives
    each its own, and `held_mode` when it was held in another mode than booked. Any other
    keyword is a column of Meeting (`join_url`, `agenda`, `paperless`, …)."""
    def _create(host, start: datetime, *, minutes=60, end=None, title="Họp giao ban tuần",
                category="giao_ban", mode="in_person", status="scheduled", participants=(),
                rooms=(), rrule=None, count=None, extra_starts=(), occurrence_statuses=None,
                held_mode=None, **fields) -> Meeting:
        start = start.astimezone(UTC)
        duration = (end - start) if end is not None else timedelta(minutes=minutes)
        meeting = Meeting(title=title, category=category, host_unit=host, start_at=start,
                          end_at=start + duration, mode=mode, status=status, rrule=rrule,
                          uid=f"test-{uuid.uuid4().hex}@lichhop", sequence=0, **fields)
        meeting.participants = list(participants)
        meeting.rooms = list(rooms)
        starts = [start, *(when.astimezone(UTC) for when in extra_starts)]
        if rrule:
            rule = rrulestr(rrule, dtstart=start.astimezone(LOCAL_TZ))
            starts = [d.astimezone(UTC) for d in (list(rule[:count]) if count else list(rule))]
        statuses = occurrence_statuses or [status] * len(starts)
        for when, sitting_status in zip(starts, statuses, strict=True):
            meeting.occurrences.append(Occurrence(
                start_at=when, end_at=when + duration, original_start=when,
                status=sitting_status, held_mode=held_mode))
        db.session.add(meeting)
        db.session.flush()
        return meeting
    return _create


def local(y, m, d, hh=8, mm=0) -> datetime:
    """An aware datetime in Hà Nội time."""
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


@pytest.fixture
def tree(app, create_unit, create_user, create_endpoint):
    """A small Hà Nội: city 01 with a department, two districts and three wards, a user of
    each role at every level that matters, and endpoints in every unit but ward 00037."""
    city = create_unit("01", "Thành phố Hà Nội", "city")
    dept = create_unit("01-STTTT", "Sở Thông tin và Truyền thông", "department", city)
    ba_dinh = create_unit("001", "Quận Ba Đình", "district", city)
    hoan_kiem = create_unit("002", "Quận Hoàn Kiếm", "district", city)
    phuc_xa = create_unit("00001", "Phường Phúc Xá", "ward", ba_dinh, email="phucxa@hanoi.gov.vn")
    truc_bach = create_unit("00004", "Phường Trúc Bạch", "ward", ba_dinh)
    hang_bac = create_unit("00037", "Phường Hàng Bạc", "ward", hoan_kiem)
    for unit in (city, dept, ba_dinh, hoan_kiem, phuc_xa, truc_bach):
        create_endpoint(unit)
    users = SimpleNamespace(
        admin=create_user("admin", "admin", city),
        city_viewer=create_user("lanhdao", "viewer", city),
        district_admin=create_user("qt_badinh", "unit_admin", ba_dinh),
        district_viewer=create_user("xem_badinh", "viewer", ba_dinh),
        district_staff=create_user("vp_badinh", "staff", ba_dinh),
        ward_staff=create_user("vp_phucxa", "staff", phuc_xa),
        ward_admin=create_user("qt_phucxa", "unit_admin", phuc_xa),
        other_ward_staff=create_user("vp_hangbac", "staff", hang_bac),
    )
    db.session.commit()
    return SimpleNamespace(city=city, dept=dept, ba_dinh=ba_dinh, hoan_kiem=hoan_kiem,
                           phuc_xa=phuc_xa, truc_bach=truc_bach, hang_bac=hang_bac, users=users,
                           password=PASSWORD, day=date.today() + timedelta(days=7))


@pytest.fixture
def rooms(tree, create_room):
    """A room of Phúc Xá, one of Ba Đình (district), and one of Ba Đình that needs approval."""
    made = {
        "phuc_xa": create_room(tree.phuc_xa, "Phòng họp tầng 2"),
        "ba_dinh": create_room(tree.ba_dinh, "Hội trường quận"),
        "gated": create_room(tree.ba_dinh, "Phòng họp lớn", requires_approval=True),
    }
    db.session.commit()
    return made


@pytest.fixture
def april_2024(tree, create_meeting):
    """April 2024 in the small tree, as the target report counts it: Ba Đình held 1 of 2
    meetings online (below the 80 % target), Hoàn Kiếm 1 of 1."""
    create_meeting(tree.phuc_xa, local(2024, 4, 1), mode="online", title="Họp triển khai quý II",
                   category="trien_khai", status="held")
    create_meeting(tree.truc_bach, local(2024, 4, 2), mode="in_person", category="tap_huan",
                   title="Tập huấn phần mềm một cửa", status="held")
    create_meeting(tree.hang_bac, local(2024, 4, 3), mode="hybrid", category="so_ket",
                   title="Sơ kết quý I Hoàn Kiếm", status="held")
    db.session.commit()
    return tree


@pytest.fixture
def contacts(tree):
    """The tree with the mailboxes invitations go to: Trúc Bạch's (and its technician's) and
    Ba Đình's."""
    tree.truc_bach.email = "trucbach@hanoi.gov.vn"
    tree.truc_bach.tech_email = "kythuat.trucbach@hanoi.gov.vn"
    tree.ba_dinh.email = "vp.badinh@hanoi.gov.vn"
    db.session.commit()
    return tree


@pytest.fixture
def reform(app, create_unit, create_user, create_endpoint):
    """Two districts with three wards until 30/06/2025; from 01/07/2025 two wards under the city.
    Old wards connected in 2018; of the new ones only one has video conference so far."""
    city = create_unit("01", "Thành phố Hà Nội", "city")
    closed = dict(valid_to=date(2025, 6, 30))
    d1 = create_unit("001", "Quận Ba Đình", "district", city, **closed)
    d2 = create_unit("002", "Quận Hoàn Kiếm", "district", city, **closed)
    old = [create_unit("00001", "Phường Phúc Xá", "ward", d1, **closed),
           create_unit("00004", "Phường Trúc Bạch", "ward", d1, **closed),
           create_unit("00037", "Phường Hàng Bạc", "ward", d2, **closed)]
    new = [create_unit("00004", "Phường Ba Đình", "ward", city, valid_from=date(2025, 7, 1)),
           create_unit("00008", "Phường Ngọc Hà", "ward", city, valid_from=date(2025, 7, 1))]
    for ward in old:
        create_endpoint(ward)
    create_endpoint(new[0])
    create_endpoint(new[1], deployed=False)
    users = {"admin": create_user("admin", "admin", city),
             "ward_admin": create_user("qt_ngocha", "unit_admin", new[1]),
             "other_admin": create_user("qt_badinh", "unit_admin", new[0]),
             "viewer": create_user("lanhdao", "viewer", city)}
    db.session.commit()
    return city, d1, old, new, users


class Api:
    """Calls the API as one user or another (bearer tokens)."""

    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def __call__(self, method, url, who, **kw):
        g.pop("_login_user", None)  # the app fixture shares one `g` across requests
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.open(f"/api/v1{url}", method=method, headers=headers, **kw)


@pytest.fixture
def paperless(app, tree, client, create_user, tmp_path):
    """A paperless meeting of Phúc Xá with Trúc Bạch invited, booked through the booking
    service, and `api(method, url, who)` calling the API as its host, a second host, the guest,
    a stranger, the admin or the district admin."""
    app.config["DOCUMENT_DIR"] = str(tmp_path / "documents")
    truc_bach_staff = create_user("vp_trucbach", "staff", tree.truc_bach, full_name="Lê Văn Bình")
    second_host = create_user("vp_phucxa_2", "staff", tree.phuc_xa, full_name="Trần Thị Hoa")
    db.session.commit()
    meeting = meeting_services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(10, 8), minutes=120, paperless=True, participants=["00004"],
        title="Họp không giấy tờ quý IV", chair="Chủ tịch UBND phường"))
    db.session.commit()
    users = {"host": tree.users.ward_staff, "host2": second_host, "guest": truc_bach_staff,
             "stranger": tree.users.other_ward_staff, "admin": tree.users.admin,
             "district_admin": tree.users.district_admin}
    tokens = {name: auth_services.issue_token(user)[0] for name, user in users.items()}
    db.session.commit()
    return SimpleNamespace(meeting=meeting, id=meeting.id, users=users, api=Api(client, tokens),
                           documents=tmp_path / "documents")
