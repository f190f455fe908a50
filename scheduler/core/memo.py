"""A bounded memo kept in each process: for values that are cheap to hold, costly to build and
fully determined by their key (a compiled statement, a rendered fragment). A key is a value
(ids, names, flags), never an object's id(): an id is reused once its object is collected, and
the memo would hand the new object the old one's value."""
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")
_MISSING = object()


class Memo(Generic[V]):
    """`get(key, build)`: the value kept under `key`, built (and kept) on first use. At `size`
    entries the least recently used one makes room, so the keys in daily use stay."""

    def __init__(self, size: int):
        self.size = size
        self._values: LRUCache = LRUCache(maxsize=size)
        # an LRU reorders itself on every read: one lock per memo, held for the dict work only
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            value = self._values.get(key, _MISSING)
        if value is _MISSING:
            value = build()  # outside the lock: two threads may both build one equal value
            with self._lock:
                self._values[key] = value
        return value

    def __len__(self) -> int:
        return len(self._values)
