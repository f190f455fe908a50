"""The one way a value is kept rather than computed again, and the list of every value kept.

Each cache is declared once, at module level beside the code that reads it, with its name and
one line saying what makes its entries stale; `CACHES` (and `flask caches`, and the README's
"Caches") lists them all:

    CALENDAR_PAGES = Cache("calendar pages", store="shared", switch="calendar_cache",
                           stale_when="a change of a calendar shown draws it a new tag")
    body = CALENDAR_PAGES.get(key, build, versions=lambda: tags_of(units))

`get(key, build, versions=())` returns the value kept under (key, versions), or builds and
keeps it. `key` holds everything else the value depends on, as values (ids, dates, names,
flags; never an object's id(), which a later object reuses). The versions are version keys of
the data `build` reads — values that change whenever that data does, such as the calendars'
tags (meetings/calendar_tags.py). Given as a function, they are read before `build` reads
anything: under READ COMMITTED a change that commits in between leaves newer data under the
older versions, never the reverse, and the next reader, seeing the new versions, builds again.
Nothing is ever deleted: an entry under old versions is not asked for again and ages out of
its bounded store.

Stores, one interface:
  - "shared": Flask-Caching (extensions.cache: SimpleCache in each worker by default,
    CACHE_TYPE=RedisCache shared among the nodes), for values that pickle (text, bytes, plain
    data). Its entries also expire after CACHE_DEFAULT_TIMEOUT: how long a change made outside
    the application (psql), which draws no new version, can stay unseen.
  - "process": a bounded LRU in this process, one per application, for values that cannot
    leave the process (SQLAlchemy statements, rendered Markup).
  - "function": `@pure_function(name, size)`, for a pure function of its arguments, which
    nothing makes stale: it is functools.lru_cache itself, declared and listed like the
    others — its callers run it thousands of times a page, where a call through `get` would
    cost more than the work it saves.

Not a cache: a meeting's `version` counts its changes for optimistic locking (If-Match, 412)
and is the API's ETag; it keeps no value, so it is concurrency control, not a version key of
a kept one. The calendar feeds' ETags are likewise computed from the data on each request.
"""
import functools
import hashlib
import re
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache
from flask import current_app

from ..extensions import cache as flask_cache
from .settings import settings

V = TypeVar("V")
_MISSING = object()
STORES = ("shared", "process", "function")
NEVER_STALE = "nothing: a pure function of its arguments"

# every cache of the application, by name, in the order their modules declared them
CACHES: dict[str, "Cache"] = {}


class Cache(Generic[V]):
    """A declared cache. `store`: "shared", "process" (with its `size`: at that many entries the
    least recently used one makes room, so the keys in daily use stay) or "function" (see
    `pure_function`). `switch`: the name of a boolean setting that turns it off (builds every
    time, reads no versions)."""

    def __init__(self, name: str, *, stale_when: str, store: str, size: int | None = None,
                 switch: str | None = None):
        if name in CACHES:
            raise ValueError(f"cache {name!r} is declared twice")
        if store not in STORES:
            raise ValueError(f"cache {name!r}: unknown store {store!r} (one of {STORES})")
        if store == "process" and not size:
            raise ValueError(f"cache {name!r}: a process cache needs its size")
        self.name, self.stale_when, self.store = name, stale_when, store
        self.size, self.switch = size, switch
        self._prefix = re.sub(r"\W+", "-", name)
        self._function = None  # the lru_cache of a "function" cache
        # an LRU reorders itself on every read: one lock per cache, held for the dict work only
        self._lock = threading.Lock()
        CACHES[name] = self

    def enabled(self) -> bool:
        return self.switch is None or bool(getattr(settings(), self.switch))

    def get(self, key: Hashable, build: Callable[[], V], versions=()) -> V:
        """The value kept under (key, versions), else build()'s, kept. `versions`: the version
        keys (a tuple), or a function reading them, called before `build`."""
        if self.store == "function":
            raise TypeError(f"cache {self.name!r} is read by calling its function")
        if self.switch is not None and not self.enabled():
            return build()
        if callable(versions):
            versions = versions()  # before the data: see the module's docstring
        versions = tuple(versions)
        if self.store == "shared":
            return self._shared(key, versions, build)
        return self._in_process(key, versions, build)

    def _shared(self, key, versions: tuple, build: Callable[[], V]) -> V:
        digest = hashlib.sha256(repr((key, versions)).encode()).hexdigest()
        name = f"{self._prefix}:{digest}"
        value = flask_cache.get(name)
        if value is None:
            value = build()
            flask_cache.set(name, value)
        return value

    def _in_process(self, key, versions: tuple, build: Callable[[], V]) -> V:
        entries, full_key = self._entries(), (key, versions)
        with self._lock:
            value = entries.get(full_key, _MISSING)
        if value is _MISSING:
            value = build()  # outside the lock: two threads may both build one equal value
            with self._lock:
                entries[full_key] = value
        return value

    def _entries(self) -> LRUCache:
        """This application's entries (tests build many applications: a bar rendered for
        one is not another's)."""
        stores = current_app.extensions.setdefault("caches", {})
        entries = stores.get(self.name)
        if entries is None:
            with self._lock:
                entries = stores.setdefault(self.name, LRUCache(maxsize=self.size))
        return entries

    def __len__(self) -> int:
        """The entries kept now (of this application, for a process cache)."""
        if self.store == "function":
            return self._function.cache_info().currsize
        if self.store == "process":
            return len(self._entries())
        raise TypeError("a shared store does not count its entries")


def pure_function(name: str, size: int | None, stale_when: str = NEVER_STALE):
    """Declares a "function" cache: the decorated pure function, kept by functools.lru_cache
    (maxsize `size`; None: every argument seen, for a handful of them)."""
    def declare(function: Callable) -> Callable:
        kept = functools.lru_cache(maxsize=size)(function)
        Cache(name, stale_when=stale_when, store="function", size=size)._function = kept
        return kept
    return declare
