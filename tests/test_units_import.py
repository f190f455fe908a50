"""`flask import-units`: the reform of 1 July 2025 over the demo data, and bad files refused whole."""
import csv
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.models import Meeting
from tests.booking_helpers import request_for
from tests.factories import local
from scheduler.units.models import Unit
from tests.conftest import count

DATA = Path(__file__).resolve().parent.parent / "scheduler" / "units" / "data"
COLUMNS = ("code", "name", "kind", "parent", "valid_from", "valid_to", "email")


def import_units(runner, path):
    return runner.invoke(args=["import-units", str(path)])


def test_the_2025_reform_closes_the_districts_and_keeps_their_history(runner, client, auth,
                                                                     create_user):
    assert import_units(runner, DATA / "hanoi_2024.csv").exit_code == 0
    old_ba_dinh = Unit.by_code("001")
    admin = create_user("admin", role="admin", unit=Unit.by_code("01"))
    db.session.commit()
    services.book_meeting(admin, request_for(old_ba_dinh, local(2024, 3, 5)))
    db.session.commit()
    auth.login("admin")
    old_meetings = 1

    result = import_units(runner, DATA / "hanoi_2025.csv")
    assert result.exit_code == 0, result.output
    assert "126 units created" in result.output and "556 closed" in result.output
    db.session.expire_all()

    closed = db.session.scalars(sa.select(Unit).where(Unit.kind.in_(("district", "ward")),
                                                      Unit.valid_to.is_not(None))).all()
    assert len([u for u in closed if u.kind == "district"]) == 30
    assert len([u for u in closed if u.kind == "ward"]) == 526
    assert {u.valid_to for u in closed} == {date(2025, 6, 30)}
    new = db.session.scalars(sa.select(Unit).where(Unit.valid_from == date(2025, 7, 1))).all()
    assert len(new) == 126
    assert {u.parent.code for u in new} == {"01"} and {u.kind for u in new} == {"ward"}

    # a reused code names the unit of its day
    assert Unit.by_code("00004", date(2025, 1, 1)).name == "Phường Trúc Bạch"
    assert Unit.by_code("00004").name == "Phường Ba Đình"
    assert Unit.by_code("00004", date.today()).name == "Phường Ba Đình"

    # history kept: the old district still exists with its meetings
    assert db.session.get(Unit, old_ba_dinh.id).valid_to == date(2025, 6, 30)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                             .where(Meeting.host_unit_id == old_ba_dinh.id)) == old_meetings

    units = client.get("/api/v1/units?limit=1000").get_json()["units"]
    assert client.get("/api/v1/units?kind=district").get_json()["units"] == []
    wards = client.get("/api/v1/units?kind=ward&limit=1000").get_json()["units"]
    assert len(wards) == 126 and {u["parent"] for u in wards} == {"01"}
    assert {u["kind"] for u in units} == {"city", "department", "ward"}
    ba_dinh = client.get("/api/v1/units/00004").get_json()
    assert (ba_dinh["name"], ba_dinh["valid_from"]) == ("Phường Ba Đình", "2025-07-01")

    # the same file again is recognised row by row: nothing changes, Ba Đình stays Ba Đình
    before = count(Unit)
    again = import_units(runner, DATA / "hanoi_2025.csv")
    assert again.exit_code == 0, again.output
    assert "0 units created, 0 updated, 0 closed" in again.output
    db.session.expire_all()
    assert count(Unit) == before
    assert Unit.by_code("00004").name == "Phường Ba Đình"


def write_rows(path: Path, rows: list[dict]) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps({"units": rows}, ensure_ascii=False), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    return path


def ward(code, name, parent="001", **kw):
    return {"code": code, "name": name, "kind": "ward", "parent": parent, **kw}


# (rows, the index of the offending row (0-based), words of the message)
BAD_FILES = {
    "unknown kind": ([ward("00010", "Phường Mới"), {**ward("00011", "Tỉnh lạ"), "kind": "province"}],
                     [1], "province"),
    "no parent": ([{**ward("00010", "Phường Mới"), "parent": ""}], [0], "parent"),
    "unknown parent": ([ward("00010", "Phường Mới"), ward("00011", "Phường Khác", parent="999")],
                       [1], "999"),
    "bad date": ([ward("00010", "Phường Mới", valid_from="2025-13-01")], [0], "2025-13-01"),
    "duplicate code": ([ward("00010", "Phường Mới"), ward("00010", "Phường Mới Hai")], [1], "00010"),
    "district closed, ward open": ([{"code": "001", "name": "Quận Ba Đình", "kind": "district",
                                     "parent": "01", "valid_to": "2025-06-30"},
                                    ward("00001", "Phường Phúc Xá", valid_to="2025-06-30")],
                                   [0], "00004"),
    "code still held": ([ward("00037", "Phường Hàng Bạc", parent="002"),
                         ward("00001", "Phường Phúc Xá mới", parent="01", valid_from="2025-07-01")],
                        [1], "Phường Phúc Xá"),
}


@pytest.mark.parametrize("suffix", [".csv", ".json"])
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_whole_with_its_row_numbers(runner, tree, tmp_path, case, suffix):
    rows, bad, words = BAD_FILES[case]
    # a good row first, so that "nothing written" also covers the rows that were fine
    rows = [ward("00099", "Phường Thử Nghiệm", email="thunghiem@hanoi.gov.vn"), *rows]
    first = 1 if suffix == ".json" else 2  # JSON entries count from 1; the CSV header is line 1
    before = (count(Unit), count(AuditEntry))
    names_before = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())

    result = import_units(runner, write_rows(tmp_path / f"units{suffix}", rows))

    assert result.exit_code != 0
    for index in bad:
        assert f"dòng {first + 1 + index}" in result.output, result.output
    assert words in result.output
    print(result.output)
    assert "Traceback" not in result.output
    db.session.expire_all()
    assert (count(Unit), count(AuditEntry)) == before
    assert dict(db.session.execute(sa.select(Unit.id, Unit.name)).all()) == names_before
    assert db.session.scalars(sa.select(Unit).where(Unit.code == "00001")).one().valid_to is None


def test_unreadable_files_are_refused_cleanly(runner, tree, tmp_path):
    broken = tmp_path / "units.json"
    broken.write_text('{"units": [', encoding="utf-8")
    latin = tmp_path / "units.csv"
    latin.write_bytes("code,name,kind\n00010,Phường Mới,ward\n".encode("cp1258", errors="replace")
                      .replace(b"?", b"\xff"))
    no_columns = tmp_path / "columns.csv"
    no_columns.write_text("ma,ten\n1,2\n", encoding="utf-8")
    before = count(Unit)
    for path in (broken, latin, no_columns):
        result = import_units(runner, path)
        assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert "JSON" in import_units(runner, broken).output
    assert "code" in import_units(runner, no_columns).output
    assert count(Unit) == before


def test_a_json_reform_reuses_a_code_and_can_be_run_twice(runner, tree, tmp_path):
    rows = [
        {"code": "001", "name": "Quận Ba Đình", "kind": "district", "parent": "01", "valid_to": "2025-06-30"},
        ward("00001", "Phường Phúc Xá", valid_to="2025-06-30"),
        ward("00004", "Phường Trúc Bạch", valid_to="2025-06-30"),
        ward("00004", "Phường Ba Đình", parent="01", valid_from="2025-07-01",
             email="ubnd.phuongbadinh@hanoi.gov.vn"),
    ]
    path = write_rows(tmp_path / "reform.json", rows)
    first = import_units(runner, path)
    assert first.exit_code == 0, first.output
    assert "1 units created, 3 updated, 3 closed" in first.output
    second = import_units(runner, path)
    assert "0 units created, 0 updated, 0 closed" in second.output, second.output
    db.session.expire_all()
    assert Unit.by_code("00004", date(2025, 6, 30)).name == "Phường Trúc Bạch"
    new = Unit.by_code("00004", date(2025, 7, 1))
    assert (new.name, new.parent.code, new.email) == ("Phường Ba Đình", "01", "ubnd.phuongbadinh@hanoi.gov.vn")
    assert Unit.by_code("001", date(2025, 7, 1)) is None
