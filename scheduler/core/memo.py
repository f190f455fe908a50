"""A bounded memo kept in each process: for values that are cheap to hold, costly to build and
fully determined by their key (a compiled statement, a rendered fragment)."""
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """`get(key, build)`: the value kept under `key`, built (and kept) on first use. At `size`
    entries it starts afresh rather than tracking use: a miss costs one build, and emptying
    a dict is atomic under concurrent threads where an LRU's reordering is not."""

    def __init__(self, size: int):
        self.size = size
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        value = self._values.get(key)
        if value is None:
            value = build()
            if len(self._values) >= self.size:
                self._values.clear()
            self._values[key] = value
        return value

    def __len__(self) -> int:
        return len(self._values)
