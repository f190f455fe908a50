"""The Hà Nội demo data set (`flask --app wsgi seed-demo`).

Loads both of Hà Nội's trees from the packaged CSVs through the unit importer: the three-level
one until 30 June 2025 (city, departments, 30 districts, 526 wards) and the two-level one since
1 July 2025 (the 126 communes and wards straight under the city), with the predecessors of each
new unit; then gives the units rooms and video-conference endpoints with their WAN /
video-conference facts, creates the demo users of DEMO_USERS (password DEMO_PASSWORD, in units
that exist today) and the meetings of both eras (see meetings.py).

The new units' endpoints carry no address (the demo sends nothing over the network); their
WAN and video conference date from the reform, when each new office took over its seat's
terminal, so today's coverage is complete while 30 June 2025 shows the wards still missing.

Idempotent: every step only fills what is missing (the tree when city 01 is absent, rooms for
units without a room, an endpoint for units without one, users whose login is free, meetings
when no demo meeting exists), so running it again changes nothing and keeps what users added.
Everything random comes from fixed seeds: two fresh installations get the same data.
"""
import random
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa

from ..audit.services import record
from ..core.timeutil import utcnow
from ..auth.models import User
from ..endpoints.models import Endpoint
from ..extensions import db
from ..rooms.models import Room
from ..units.importer import import_file
from ..units.models import Unit, UnitSuccession
from . import catalog
from .meetings import seed_meetings
from .monitoring import seed_demo_history

DATA_DIR = Path(__file__).resolve().parent.parent / "units" / "data"
CITY_CODE = "01"
DEMO_PASSWORD = "matkhau123"
RANDOM_SEED = 2024
# wards whose video conference is still missing in the demo: a realistic handful
UNCONNECTED_WARDS, WAN_ONLY_WARDS = 7, 6
# units whose demo users (before the reform) must find a working endpoint
ALWAYS_CONNECTED = {"001", "00001"}
REFORM_DAY = date(2025, 7, 1)
UNIT_FILES = ("hanoi_2024.csv", "hanoi_2025.csv", "hanoi_2025_predecessors.csv")


class DemoUser(NamedTuple):
    username: str
    role: str
    unit: str
    full_name: str


DEMO_USERS = [
    DemoUser("admin", "admin", "01", "Quản trị hệ thống (Sở TT&TT)"),
    DemoUser("lanhdao", "viewer", "01", "Lãnh đạo UBND Thành phố"),
    # Quận Ba Đình and Phường Phúc Xá closed on 30 June 2025: their offices work for the new
    # Phường Ba Đình and for Phường Hồng Hà, which Phúc Xá joined
    DemoUser("quantri.badinh", "unit_admin", "00004", "Quản trị UBND phường Ba Đình"),
    DemoUser("vanphong.badinh", "staff", "00004", "Văn phòng UBND phường Ba Đình"),
    DemoUser("vanphong.phucxa", "staff", "00097", "Văn phòng UBND phường Hồng Hà (nguyên phường Phúc Xá)"),
    DemoUser("quantri.phucxa", "unit_admin", "00097", "Quản trị UBND phường Hồng Hà (nguyên phường Phúc Xá)"),
]


def seed_demo(now=None) -> str:
    """Fill the database with the demo data set; returns a one-paragraph summary. The caller
    commits."""
    lines = _seed_units()
    city = Unit.by_code(CITY_CODE)
    units = list(db.session.scalars(
        sa.select(Unit).where(Unit.in_subtree(city)).order_by(Unit.path, Unit.code)))
    forgotten = _forget_demo_addresses()
    if forgotten:
        lines.append(f"Điểm cầu mẫu: bỏ {forgotten} địa chỉ 10.x do bản cũ tạo ra (không kiểm tra kết nối tới đó).")
    endpoints = _seed_endpoints(units, now)
    rooms = _seed_rooms(units)
    users = _seed_users()
    db.session.flush()
    meetings = seed_meetings(city, units, now=now)
    from ..reports.targets import ensure_default_targets

    ensure_default_targets()
    lines.append(f"Phòng họp: {rooms} mới. Điểm cầu: {endpoints} mới. Người dùng: {users} mới.")
    lines.append(meetings)
    summary = " ".join(lines)
    if rooms or endpoints or users or "0 cuộc họp" not in meetings:
        record(None, "demo.seed", "unit", city.id, unit=city, summary=summary)
    return summary + "\nĐăng nhập thử (mật khẩu " + DEMO_PASSWORD + "): " + \
        ", ".join(f"{u.username} ({u.role}, {u.unit})" for u in DEMO_USERS)


def _seed_units() -> list[str]:
    """Both trees and the predecessors, each file only while what it brings is missing (a
    database seeded before the 2025 list gets it on the next run)."""
    lines = []
    missing = [Unit.by_code(CITY_CODE) is None,
               not db.session.scalar(sa.select(Unit.id).where(Unit.valid_from == REFORM_DAY).limit(1)),
               not db.session.scalar(sa.select(UnitSuccession.id).limit(1))]
    for name, needed in zip(UNIT_FILES, missing):
        if needed:
            report = import_file(DATA_DIR / name)
            lines.append(f"{name}: {report.created} đơn vị mới, {report.closed} đơn vị kết thúc, "
                         f"{report.successions} quan hệ sáp nhập.")
    return lines


def _units_without(model, units) -> list[Unit]:
    having = set(db.session.scalars(sa.select(model.unit_id).distinct()))
    return [u for u in units if u.id not in having]


def _seed_rooms(units) -> int:
    rnd = random.Random(RANDOM_SEED + 1)
    # a ward's meeting room has the video-conference terminal once the ward has one
    with_vc = set(db.session.scalars(sa.select(Endpoint.unit_id).where(
        Endpoint.active.is_(True), Endpoint.vc_deployed_on.is_not(None))))
    rows = []
    for unit in _units_without(Room, units):
        if unit.kind == "city":
            specs = [(n, c, pl, ep, ap) for n, c, pl, ep, ap in catalog.CITY_ROOMS]
        elif unit.kind in ("department", "district"):
            pool = catalog.DEPARTMENT_ROOMS if unit.kind == "department" else catalog.DISTRICT_ROOMS
            # the room with the endpoint always, then one or two more; some rooms are paperless
            specs = [(n, c, pl and rnd.random() < 0.6, ep, False)
                     for n, c, pl, ep in pool[:rnd.randint(1, 3)]]
        else:
            kind_word = unit.name.split(" ")[0] if not unit.name.startswith("Thị trấn") else "Thị trấn"
            specs = [(f"Phòng họp UBND {kind_word.lower()}", 25, rnd.random() < 0.1,
                      unit.id in with_vc, False)]
        rows += [dict(unit_id=unit.id, name=name, capacity=capacity, paperless=paperless,
                      has_endpoint=endpoint, requires_approval=approval)
                 for name, capacity, paperless, endpoint, approval in specs]
    if rows:
        db.session.execute(sa.insert(Room), rows)
    return len(rows)


def _facts(unit: Unit, missing: dict[int, str], rnd: random.Random) -> tuple[date | None, date | None]:
    """(WAN connected on, video conference deployed on) for a new endpoint."""
    if unit.valid_from is not None and unit.valid_from >= REFORM_DAY:
        return unit.valid_from, unit.valid_from  # the office took over its seat's terminal
    if unit.kind != "ward":
        wan = date(2016, 3, 1) + timedelta(days=rnd.randint(0, 540))
        return wan, wan + timedelta(days=rnd.randint(30, 200))
    wan = date(2018, 1, 2) + timedelta(days=rnd.randint(0, 700))
    vc = min(wan + timedelta(days=rnd.randint(20, 400)), date(2020, 12, 28))
    state = missing.get(unit.id)
    if state == "none":
        return None, None
    if state == "wan_only":
        return wan, None
    return wan, vc


def _seed_endpoints(units, now=None) -> int:
    rnd = random.Random(RANDOM_SEED + 2)
    todo = _units_without(Endpoint, units)
    wards = [u for u in todo if u.kind == "ward" and u.code not in ALWAYS_CONNECTED
             and u.valid_to is not None]
    chosen = rnd.sample(wards, min(len(wards), UNCONNECTED_WARDS + WAN_ONLY_WARDS))
    missing = {u.id: "none" for u in chosen[:UNCONNECTED_WARDS]}
    missing.update({u.id: "wan_only" for u in chosen[UNCONNECTED_WARDS:]})
    rows = []
    for unit in todo:
        wan, vc = _facts(unit, missing, rnd)
        h323 = unit.kind == "department" and rnd.random() < 0.3
        # no address: a demo must not send probes to a network it does not know (the operator
        # enters the real one); the state history comes from demo/monitoring.py instead
        rows.append(dict(
            unit_id=unit.id, name=f"Điểm cầu {unit.name}", host=None, port=None,
            protocol="h323" if h323 else "sip",
            wan_connected_on=wan, vc_deployed_on=vc, state="unknown"))
    if not rows:
        return 0
    db.session.execute(sa.insert(Endpoint), rows)
    created = db.session.execute(sa.select(Endpoint.id, Unit.code).join(Unit).where(
        Endpoint.unit_id.in_([u.id for u in todo]))).all()
    seed_demo_history([e.id for e in created], now or utcnow(),
                      steady={e.id for e in created if e.code in ALWAYS_CONNECTED})
    return len(rows)


def _forget_demo_addresses() -> int:
    """Earlier versions gave the demo endpoints made-up 10.x addresses, which the probe job
    then tried every 5 minutes on whatever network the demo ran. Clear those the seed wrote
    and nobody has edited since (an operator's change is in the audit log)."""
    from ..audit.models import AuditEntry

    edited = sa.select(AuditEntry.object_id).where(AuditEntry.object_type == "endpoint",
                                                   AuditEntry.object_id.is_not(None))
    result = db.session.execute(
        sa.update(Endpoint).where(Endpoint.host.like("10.%"), Endpoint.port.in_((5060, 1720)),
                                  Endpoint.name.startswith("Điểm cầu "),
                                  sa.cast(Endpoint.id, sa.String).not_in(edited))
        .values(host=None, port=None).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _seed_users() -> int:
    taken = set(db.session.scalars(sa.select(User.username).where(
        User.username.in_([u.username for u in DEMO_USERS]))))
    created, hashed = 0, None
    for demo in DEMO_USERS:
        unit = Unit.by_code(demo.unit)
        if demo.username in taken or unit is None:
            continue
        user = User(username=demo.username, role=demo.role, unit=unit, full_name=demo.full_name)
        if hashed is None:
            user.set_password(DEMO_PASSWORD)
            hashed = user.password_hash
        else:  # same password: one scrypt run instead of six (a third of a second each)
            user.password_hash, user.password_changed_at = hashed, utcnow()
        db.session.add(user)
        created += 1
    return created
