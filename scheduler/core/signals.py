"""Domain events: blinker signals whose receivers run in the order they connected.

A package declares its events in its `events.py`, payload documented, and sends them after
flushing a change; the packages above connect their subscribers in their `init_app`. Receivers
run synchronously, before the caller commits: what they add (audit entries, notices, outbox
rows) commits or rolls back with the change. blinker keeps receivers in a set, ordered by id;
an ordered one makes the order that of connection (create_app's). Connecting is idempotent, so
the many apps of a test process share one set of (strongly held) subscribers."""
from blinker import Signal


class _OrderedSet(dict):
    """The set operations blinker uses, keeping insertion order."""
    add = dict.setdefault

    def discard(self, item) -> None:
        self.pop(item, None)

    def copy(self) -> "_OrderedSet":
        return _OrderedSet(self)

    def __or__(self, other) -> "_OrderedSet":
        return _OrderedSet({**self, **dict.fromkeys(other)})


class DomainEvent(Signal):
    set_class = _OrderedSet


def subscribe(events, receiver) -> None:
    """Connect `receiver` to each of `events` for the life of the process."""
    for event in events:
        event.connect(receiver, weak=False)
