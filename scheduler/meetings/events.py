"""What other domains hear when a meeting changes.

The booking service calls `meeting_changed(meeting, change)` after flushing a change and before
the caller commits; listeners (invitations, notices) add their own rows to the same transaction,
so a rolled-back booking leaves no stray e-mail behind. A plain registry, not a signal bus.

`change` is one of: "created", "updated", "rescheduled" (time, place or participants changed),
"cancelled", "approved", "declined", "occurrence_cancelled", "occurrence_moved".
"""
from collections.abc import Callable

_listeners: list[Callable] = []


def on_meeting_change(listener: Callable) -> Callable:
    """Register `listener(meeting, change, occurrence=None)`; usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def meeting_changed(meeting, change: str, occurrence=None) -> None:
    for listener in list(_listeners):
        listener(meeting, change, occurrence=occurrence)
