"""The per-process memo (core/memo.py): kept by value, the least recently used entry making room
when it is full, so that the entries in daily use stay."""
import gc

import sqlalchemy as sa
from flask_login import login_user

from scheduler.core.memo import Memo
from scheduler.core.navigation import read_menu_counts_beside


def test_a_full_memo_lets_the_least_recently_used_entry_go():
    memo, built = Memo(3), []

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
