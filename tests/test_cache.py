"""The one caching mechanism (core/cache.py): every kept value goes through a declared cache
that says what makes it stale; a process cache keeps by value, the least recently used entry
making room when it is full, so that the entries in daily use stay; version keys are read
before the data they stand for; the README and `flask caches` list every cache."""
import gc
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import login_user

from scheduler.core import cache as caches
from scheduler.core.cache import CACHES, Cache
from scheduler.core.navigation import read_menu_counts_beside

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def declared():
    """Caches declared by a test, taken off the registry afterwards."""
    names = []

    def declare(name, **kw):
        names.append(name)
        return Cache(name, **kw)
    yield declare
    for name in names:
        CACHES.pop(name, None)


def test_a_full_memo_lets_the_least_recently_used_entry_go(app, declared):
    memo, built = declared("test: letters", store="process", size=3, stale_when="a test ends"), []

    def value(key):
        return memo.get(key, lambda: built.append(key) or f"giá trị {key}")

    for key in ("a", "b", "c"):
        value(key)
    assert value("a") == "giá trị a"  # used again: now the most recent
    value("d")  # full: "b", the least recently used, makes room
    assert built == ["a", "b", "c", "d"]
    assert [value(key) for key in ("a", "c", "d")] == ["giá trị a", "giá trị c", "giá trị d"]
    assert built == ["a", "b", "c", "d"]  # all three still kept
    value("b")
    assert built == ["a", "b", "c", "d", "b"]
    assert len(memo) == 3


def test_a_value_is_kept_under_its_key_not_under_an_objects_id(app, tree):
    """The page's scalar columns are named by value: a tuple of columns built after another was
    collected (CPython often gives it the same id) reads its own columns, not the old ones."""
    with app.test_request_context():
        login_user(tree.users.ward_staff)
        for number in range(6):
            columns = (sa.literal(number).label("number"),)
            row, counts = read_menu_counts_beside(("test-number", number), columns, {})
            assert row.number == number
            assert set(counts) >= {"approvals", "unread"}
            del columns
            gc.collect()


@pytest.mark.parametrize("store", ["process", "shared"])
def test_new_versions_build_again_and_are_read_before_the_data(app, declared, store):
    kept = declared(f"test: {store} versions", store=store, size=8, stale_when="its version moves")
    version, steps = [1], []

    def read_versions():
        steps.append("versions")
        return (version[0],)

    def build():
        steps.append("build")
        return f"dữ liệu {version[0]}"

    with app.test_request_context():
        assert kept.get("k", build, versions=read_versions) == "dữ liệu 1"
        assert kept.get("k", build, versions=read_versions) == "dữ liệu 1"
        assert steps == ["versions", "build", "versions"]  # kept: built once
        version[0] = 2
        assert kept.get("k", build, versions=read_versions) == "dữ liệu 2"
        assert steps[-2:] == ["versions", "build"]
        assert kept.get("k", build, versions=(2,)) == "dữ liệu 2"
        assert steps[-1] == "build"  # versions given as a value: nothing read


def test_a_switched_off_cache_builds_every_time_and_reads_no_versions(app, declared):
    kept = declared("test: switched", store="shared", switch="calendar_cache", stale_when="never")
    app.config["CALENDAR_CACHE"] = False
    built = []
    with app.test_request_context():
        for _ in range(2):
            kept.get("k", lambda: built.append(1) or "x", versions=lambda: pytest.fail("read"))
    assert built == [1, 1]


def test_a_cache_is_declared_once(declared):
    declared("test: once", store="process", size=1, stale_when="never")
    with pytest.raises(ValueError):
        Cache("test: once", store="process", size=1, stale_when="never")
    with pytest.raises(ValueError):
        declared("test: no size", store="process", stale_when="never")


def test_flask_caches_and_the_readme_list_every_cache(app, runner):
    listed = runner.invoke(args=["caches"]).output
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Caches", 1)[1].split("\n## ", 1)[0]
    assert {"calendar pages", "menu bars", "menu count statements"} <= set(CACHES)
    for name, kept in CACHES.items():
        assert f"{name} ({kept.store}" in listed
        assert kept.stale_when in listed
        assert f"`{name}`" in section, name
        assert " ".join(kept.stale_when.split()) in " ".join(section.split()), name


ALLOWED_ELSEWHERE = {"scheduler/core/cache.py"}


def test_no_value_is_kept_around_the_mechanism():
    """functools' memos and Flask-Caching are used by core/cache.py only: a cache elsewhere
    would be one nobody lists, with its own way of going stale."""
    pattern = re.compile(r"lru_cache|functools import .*\bcache\b|@cache\b|functools\.cache\b"
                         r"|extensions import .*\bcache\b|\bcache\.(get|set|delete|clear)\(")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in (ROOT / "scheduler").rglob("*.py")
             if str(path.relative_to(ROOT)) not in ALLOWED_ELSEWHERE
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if pattern.search(line.split("#", 1)[0])]
    assert found == []


def test_a_pure_function_cache_is_listed_and_counts_its_entries():
    kept = CACHES["iCalendar ATTENDEE lines"]
    assert kept.store == "function"
    from scheduler.calendar import ical

    ical._attendees("Phường Phúc Xá", "phucxa@hanoi.gov.vn", None, None)
    assert len(kept) >= 1
    with pytest.raises(TypeError):
        kept.get("k", lambda: None)
