"""The paperless domain events (core/signals.py), sent with the meeting after the change is
flushed, before the caller commits, each with `actor`, who made it. Subscribers (subscribers.py)
raise the meeting's version and write the audit entry."""
from ..core.signals import DomainEvent

document_added = DomainEvent("A document (`document`) was uploaded.")
agenda_changed = DomainEvent("The agenda was replaced: `before`, the titles it had; `items`, its "
                             "AgendaItems now, in order.")
attendance_recorded = DomainEvent("An invited unit's (`unit`) attendance was recorded: `before`, "
                                  "its fields as they were (empty at first); `after`, the values.")
