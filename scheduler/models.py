"""Every model, imported once so the metadata (and Alembic's autogenerate) sees all tables."""
from .audit.models import AuditEntry  # noqa: F401
from .auth.models import ApiToken, LoginAttempt, User  # noqa: F401
from .endpoints.models import ConnectionFactChange, Endpoint, EndpointCheck  # noqa: F401
from .jobs.models import JobRun, SchedulerLock  # noqa: F401
from .mail.models import OutgoingMail  # noqa: F401
from .paperless.models import (AgendaItem, Attendance, Ballot, DocumentRead,  # noqa: F401
                               MeetingDocument, Minutes, Vote)
from .notifications.models import NoticeDelivery, Notification  # noqa: F401
from .meetings.models import Meeting, Occurrence, Reservation  # noqa: F401
from .reports.models import Target, TargetCategory, TargetThreshold  # noqa: F401
from .rooms.models import Room  # noqa: F401
from .units.models import Unit  # noqa: F401
