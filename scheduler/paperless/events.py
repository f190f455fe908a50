"""The paperless domain events (see core/signals.py): sent with the meeting as sender, after
the change is flushed and before the caller commits. Every one carries `actor`, the user who
made the change. Their subscribers (subscribers.py, connected by paperless.init_app) give the
meeting a new version — what its readers see changed — and write the audit entry."""
from ..core.signals import DomainEvent

document_added = DomainEvent("document-added", "A document (`document`) was uploaded.")
agenda_changed = DomainEvent(
    "agenda-changed", "The agenda was replaced: `before`, the titles it had; `items`, the "
    "AgendaItems it has now, in order.")
attendance_recorded = DomainEvent(
    "attendance-recorded", "The attendance of an invited unit (`unit`) was recorded: `before`, "
    "its fields as they were (empty on the first record); `after`, the values given.")
