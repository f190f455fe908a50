"""The meetings' domain events (see core/signals.py): what the booking services tell the
packages above after flushing a change and before the caller commits, so that a refused or
rolled-back booking leaves no notice, e-mail or withdrawn reminder behind.

Every event is sent with the meeting as sender and two keywords: `change`, the kind of change
as one word (the key below, which subscribers of several events read), and `occurrence`, the
sitting concerned or None for the whole meeting. A receiver is `f(meeting, change, occurrence)`.
"""
from ..core.signals import DomainEvent

meeting_booked = DomainEvent("meeting-booked", "A meeting was booked (scheduled or pending approval).")
meeting_updated = DomainEvent(
    "meeting-updated", "Facts that move nobody changed (title, agenda...); with `occurrence`: "
    "the held mode of a sitting was recorded or corrected.")
meeting_rescheduled = DomainEvent(
    "meeting-rescheduled", "Its time, place, mode or participants changed; with `occurrence`: "
    "a date skipped at booking was restored as a sitting.")
meeting_cancelled = DomainEvent("meeting-cancelled", "The meeting (every sitting) was cancelled.")
meeting_approved = DomainEvent("meeting-approved", "A pending booking was approved.")
meeting_declined = DomainEvent("meeting-declined", "A pending booking was declined.")
sitting_cancelled = DomainEvent("sitting-cancelled", "One sitting (`occurrence`) was cancelled.")
sitting_moved = DomainEvent("sitting-moved", "One sitting (`occurrence`) moved to another time.")

MEETING_CHANGES = {
    "created": meeting_booked, "updated": meeting_updated, "rescheduled": meeting_rescheduled,
    "cancelled": meeting_cancelled, "approved": meeting_approved, "declined": meeting_declined,
    "occurrence_cancelled": sitting_cancelled, "occurrence_moved": sitting_moved,
}


def meeting_changed(meeting, change: str, occurrence=None) -> None:
    """Send the event of `change` (a key of MEETING_CHANGES)."""
    MEETING_CHANGES[change].send(meeting, change=change, occurrence=occurrence)
