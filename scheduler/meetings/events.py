"""The meetings' domain events (core/signals.py), sent by the booking services after flushing a
change and before the caller commits, so a refused or rolled-back booking leaves no notice,
e-mail or withdrawn reminder behind. Each is sent with the meeting and two keywords: `change`,
its key in MEETING_CHANGES (for subscribers of several), and `occurrence`, the sitting concerned
or None for the whole meeting; a receiver is `f(meeting, change, occurrence)`."""
from ..core.signals import DomainEvent

MEETING_CHANGES = {
    "created": DomainEvent("meeting_booked: scheduled, or pending approval"),
    "updated": DomainEvent("meeting_updated: facts that move nobody (title, agenda...); with an "
                           "occurrence: the held mode of a past sitting"),
    "rescheduled": DomainEvent("meeting_rescheduled: its time, place, mode or participants; "
                               "with an occurrence: a skipped date restored"),
    "cancelled": DomainEvent("meeting_cancelled: every sitting"),
    "approved": DomainEvent("meeting_approved: a pending booking"),
    "declined": DomainEvent("meeting_declined: a pending booking"),
    "occurrence_cancelled": DomainEvent("sitting_cancelled: one sitting (`occurrence`)"),
    "occurrence_moved": DomainEvent("sitting_moved: one sitting (`occurrence`) to another time"),
}
(meeting_booked, meeting_updated, meeting_rescheduled, meeting_cancelled, meeting_approved,
 meeting_declined, sitting_cancelled, sitting_moved) = MEETING_CHANGES.values()


def meeting_changed(meeting, change: str, occurrence=None) -> None:
    MEETING_CHANGES[change].send(meeting, change=change, occurrence=occurrence)
