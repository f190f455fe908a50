"""Domain events: blinker signals whose receivers run in the order they connected.

A package that must tell one above it that something happened declares its events in its own
`events.py` (the payload of each documented there) and sends them; the package above connects
its subscribers in its `init_app`, which create_app calls. Receivers run synchronously, inside
the sender's transaction, before the caller commits: what they add (audit entries, notices,
outbox rows) commits or rolls back with the change itself.

blinker keeps receivers in a set, so their order would follow their ids; an ordered set makes
it the order of connection, which the house can read in create_app. Connecting is idempotent
(a receiver connects once however many applications a process builds, as the tests do), and
subscribers are module-level functions held strongly (`weak=False`)."""
from collections.abc import Callable, Iterable

from blinker import Signal


class _OrderedSet(dict):
    """The few set operations blinker uses, keeping insertion order."""

    def add(self, item) -> None:
        self[item] = None

    def discard(self, item) -> None:
        self.pop(item, None)

    def copy(self) -> "_OrderedSet":
        return _OrderedSet(self)

    def __or__(self, other) -> "_OrderedSet":
        union = _OrderedSet(self)
        union.update(dict.fromkeys(other))
        return union


class DomainEvent(Signal):
    set_class = _OrderedSet

    def __init__(self, name: str, doc: str) -> None:
        super().__init__(doc)
        self.name = name

    def __repr__(self) -> str:
        return f"<DomainEvent {self.name}>"


def subscribe(events: Iterable[DomainEvent], receiver: Callable) -> Callable:
    """Connect `receiver` to each of `events` for the life of the process (idempotent)."""
    for event in events:
        event.connect(receiver, weak=False)
    return receiver
