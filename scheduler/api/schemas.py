"""The API's schemas, declared once: flask-smorest validates requests with them and builds
the OpenAPI document (GET /api/v1/openapi.json) from them. Field names are the SPEC's.

The answers are still written by the domain's own `*_dict` functions (the pages and the
iCalendar export share them); the response schemas here describe those dicts, and
tests/test_openapi.py holds every documented answer to the real one, closed to extra fields."""
from datetime import date

import marshmallow
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, fields, validate

from ..meetings.inputs import (  # noqa: F401 (the meeting bodies, declared once)
    HeldMode, MeetingInput, Move, NewMeeting, Restore)
from ..meetings.inputs import day, moment, text
from ..meetings.models import CATEGORIES, MODES

STATUSES = ["pending", "scheduled", "held", "cancelled"]
ATTENDANCE = ["present_in_person", "present_online", "absent", "not_checked_in"]
CHOICES = ["dong_y", "khong_dong_y", "phieu_trang"]


def one_of(choices, **kw) -> fields.String:
    return fields.String(validate=validate.OneOf(list(choices)), **kw)


def items(schema, **kw) -> fields.List:
    return fields.List(fields.Nested(schema), **kw)


Int, Bool, Num = fields.Integer, fields.Boolean, fields.Float
NULLABLE = {"allow_none": True}


def doc(description: str) -> dict:
    return {"metadata": {"description": description}}


def shape(title: str, /, **declared) -> type:
    """A schema of the fields given (named `title` in the document), open as `Schema` is."""
    return Schema.from_dict(declared, name=title)


class Schema(marshmallow.Schema):
    """Open to fields it does not name, as the answers have always been documented (a client
    ignores what it does not know); tests/test_openapi.py closes them to check the answers."""
    class Meta:
        unknown = EXCLUDE


class Closed(Schema):
    """A request body with an unknown field refused (each named in details.fields)."""
    error_messages = {"unknown": _l("Không được hỗ trợ.")}

    class Meta:
        unknown = RAISE


Query = Schema  # query arguments: unknown ones are ignored


# -- errors -------------------------------------------------------------------------------------
ErrorBody = shape(
    "ErrorBody", code=text(required=True), message=text(required=True), details=fields.Dict())
Error = shape("Error", error=fields.Nested(ErrorBody, required=True))
FieldErrors = shape(
    "FieldErrors",
    field_messages=fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                               data_key="fields"))
ValidationErrorBody = shape(
    "ValidationErrorBody", code=one_of(["invalid"], required=True), message=text(required=True),
    details=fields.Nested(FieldErrors, required=True))


class ValidationError(Schema):
    """Every 422: the fields at fault, each with its message in the user's language."""
    error = fields.Nested(ValidationErrorBody, required=True)


# -- paging -------------------------------------------------------------------------------------
class Page(Query):
    limit = Int(**doc("Items per page, 1 to 1000 (default 100)"))
    cursor = text("Opaque position from the previous page's `next` link")


NEXT = ("Relative URL of the next page (the same arguments and a cursor); null on the last page")


# -- tokens ---------------------------------------------------------------------------------------
CREDENTIALS = dict.fromkeys(("required", "invalid", "null"), _l("Cần có username và password."))
Credentials = shape(
    "Credentials", username=text(required=True, error_messages=CREDENTIALS),
    password=text(required=True, error_messages=CREDENTIALS))
Token = shape("Token", token=text(), token_type=one_of(["Bearer"]), expires_at=moment())
Revoked = shape("Revoked", revoked=Bool(required=True), id=Int(required=True))


# -- units, rooms, endpoints --------------------------------------------------------------------
Unit = shape(
    "Unit", code=text(), name=text(), kind=one_of(["city", "department", "district", "ward"]),
    parent=text(**NULLABLE), valid_from=day(**NULLABLE), valid_to=day(**NULLABLE),
    wan_connected=Bool(), vc_deployed=Bool(), email=text(**NULLABLE),
    tech_contact=fields.Dict(**NULLABLE),
    predecessors=fields.List(fields.String(),
                             **doc("codes of the former units this one was formed from")),
    successors=fields.List(fields.String(), **doc("codes of the units this one was merged into")))


class UnitList(Query):
    kind = text("city, department, district or ward")
    parent = text("parent unit code")
    on = text("the day whose tree is listed, YYYY-MM-DD (default today); 422 with "
              "details.fields.on when it is not a date")
    all = text("1: also the units not existing on that day")
    q = text("words of the name (case and Vietnamese marks ignored) or part of the code")


class UnitDay(Query):
    on = text("YYYY-MM-DD, default today")


UnitPage = shape(
    "UnitPage", units=items(Unit, required=True), next=text(NEXT, required=True, allow_none=True))
Room = shape(
    "Room", id=Int(), unit=text(), name=text(), capacity=Int(), paperless=Bool(),
    has_endpoint=Bool(), requires_approval=Bool())


class RoomList(Page):
    unit = text("unit code")
    subtree = text("1: also the rooms of the units below it")


RoomPage = shape(
    "RoomPage", rooms=items(Room, required=True), next=text(NEXT, required=True, allow_none=True))


PROTOCOLS = ["sip", "h323", "webrtc"]


Endpoint = shape(
    "Endpoint", id=Int(), unit=text(), name=text(), host=text(**NULLABLE), port=Int(**NULLABLE),
    protocol=one_of(PROTOCOLS), wan_connected=Bool(), wan_connected_on=day(**NULLABLE),
    vc_deployed=Bool(), vc_deployed_on=day(**NULLABLE),
    state=one_of(["reachable", "unreachable", "unknown"]), last_checked=moment(**NULLABLE))


class EndpointList(Page):
    unit = text("unit code")
    subtree = text("1: also the endpoints of the units below it")
    state = text("reachable, unreachable or unknown")


EndpointPage = shape(
    "EndpointPage", endpoints=items(Endpoint, required=True),
    next=text(NEXT, required=True, allow_none=True))


class IsoDate(fields.Date):
    """A day as YYYY-MM-DD (what date.fromisoformat reads); "" or null: none."""
    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.make_error("invalid") from None


STRING = {"invalid": _l("Phải là chuỗi ký tự.")}
DATE = {"invalid": _l("Ngày phải theo dạng YYYY-MM-DD.")}
PORT = _l("Cổng phải là số nguyên từ 1 đến 65535.")


class EndpointInput(Closed):
    """An endpoint's fields; those left out keep their value (PATCH). The values are checked
    by the service, which the page's form shares (endpoints/services.py)."""
    unit = text("unit code (required when creating)", error_messages=STRING, **NULLABLE)
    name = text(validate=validate.Length(max=200, error=_l("Tên điểm cầu dài tối đa 200 ký tự.")),
                error_messages=STRING, **NULLABLE)
    host = text("IP or name; every address must lie in PROBE_ALLOWED_NETWORKS",
                validate=validate.Length(max=255, error=_l(
                    "Địa chỉ không hợp lệ: chỉ gồm tên miền hoặc địa chỉ IP, không có dấu cách.")),
                error_messages=STRING, **NULLABLE)
    port = Int(strict=True, validate=validate.Range(1, 65535, error=PORT),
               error_messages={"invalid": PORT}, **NULLABLE)
    protocol = one_of(PROTOCOLS, error_messages=STRING, **NULLABLE)
    wan_connected_on = IsoDate(error_messages=DATE, **NULLABLE)
    vc_deployed_on = IsoDate(error_messages=DATE, **NULLABLE)


class Period(Query):
    start = text("ISO 8601 date or date-time (default: today)")
    end = text("ISO 8601 date (inclusive) or date-time (default: start + 31 days)")


StateChange = shape(
    "StateChange", at=moment(), state=one_of(["reachable", "unreachable"]),
    latency_ms=Num(**NULLABLE), source=one_of(["probe", "demo"]))
EndpointHistory = shape(
    "EndpointHistory", id=Int(), start=moment(), end=moment(),
    uptime=Num(required=True, validate=validate.Range(0, 1), allow_none=True,
               **doc("share of the period's probes that reached it; null = no probe")),
    changes=items(StateChange, required=True))


# -- meetings -----------------------------------------------------------------------------------
Occurrence = shape(
    "Occurrence", id=Int(), start=moment(), end=moment(), original_start=moment(),
    status=one_of(STATUSES), held_mode=one_of(MODES, **NULLABLE), moved=Bool())


class Meeting(Schema):
    """limited=true: the viewer's unit is not invited; only public facts."""
    id, title = Int(required=True), text(required=True)
    category = one_of(CATEGORIES)
    host_unit, host_unit_name, chair = text(required=True), text(), text()
    start, end = moment(required=True), moment(required=True)
    mode, paperless = one_of(MODES), Bool()
    rooms = fields.List(fields.Integer())
    participants = fields.List(fields.String())
    agenda = text()
    status = one_of(STATUSES, required=True)
    conclusion = text("kết luận of the meeting")
    held_mode = one_of(MODES, **NULLABLE)
    rrule, join_url = text(**NULLABLE), text(**NULLABLE)
    sequence = Int()
    uid = text("iCalendar UID")
    limited = Bool()
    decision_reason = text(validate=validate.Length(max=500), **NULLABLE)
    decided_at = moment(**NULLABLE)
    holiday_override_reason = text(validate=validate.Length(max=500), **NULLABLE)
    cancel_reason = text(validate=validate.Length(max=500), **NULLABLE)
    occurrences = items(Occurrence)
    skipped = fields.List(moment(), metadata={
        "description": "dates of the series left out (EXDATE); see /restore"})
    meeting_id = Int(**doc("in lists: the meeting of this sitting"))
    occurrence_id = Int(**doc("in lists: this sitting"))
    original_start = moment("in lists: the RRULE date of this sitting")
    moved = Bool(**doc("in lists: this sitting was moved"))


class MeetingList(Period, Page):
    unit = text("unit code")
    room = Int(**doc("room id"))
    q = text("words found in the title or the host unit's name, ignoring case and Vietnamese "
             "marks (\"tong ket ba dinh\"); at most 200 characters")


MeetingPage = shape(
    "MeetingPage", meetings=items(Meeting, required=True),
    next=text(NEXT, required=True, allow_none=True))


Reason = shape("Reason", reason=text(validate=validate.Length(max=500)))
ConflictItem = shape(
    "ConflictItem", meeting_id=Int(), title=text(), unit=text(), unit_name=text(), start=moment(),
    end=moment(), resource=text(), resource_kind=one_of(["room", "endpoint"]), resource_id=Int(),
    date=day(), instance=Int(**doc("which sitting of the booking (0 = first)")))
FreeSlot = shape("FreeSlot", start=moment(), end=moment())
ConflictDetails = shape(
    "ConflictDetails", conflicts=items(ConflictItem),
    next_free=fields.Nested(FreeSlot, **NULLABLE), dates=fields.List(day()))
ConflictBody = shape(
    "ConflictBody", code=one_of(["conflict"]), message=text(),
    details=fields.Nested(ConflictDetails))
ConflictError = shape("ConflictError", error=fields.Nested(ConflictBody))
MailProblem = shape(
    "MailProblem", id=Int(), recipients=fields.List(fields.String()), subject=text(),
    status=one_of(["queued", "failed"]), attempts=Int(), last_error=text(**NULLABLE),
    next_attempt_at=moment("null once given up (failed)", **NULLABLE))
MailProblems = shape("MailProblems", mail_problems=items(MailProblem, required=True))


# -- reports ------------------------------------------------------------------------------------
class Figure(Schema):
    """A target's figure over a scope and period (share and planned_share in percent, null =
    no data)."""
    numerator, denominator = Int(), Int()
    share, met, planned_share = Num(**NULLABLE), Bool(**NULLABLE), Num(**NULLABLE)


class ChildFigure(Figure):
    code, name, kind = text(), text(), text()
    threshold = Num(**NULLABLE)


MonthFigure = shape(
    "MonthFigure", month=text("YYYY-MM"), numerator=Int(), denominator=Int(),
    share=Num(**NULLABLE))
Predecessor = shape("Predecessor", code=text(), name=text(), valid_to=day(), whole=Bool())


class TargetFigure(Figure):
    code, name = text(), text()
    measure = one_of(["share", "ward_vc", "ward_wan", "paperless"])
    threshold = Num(**doc("percent"), **NULLABLE)
    children = items(ChildFigure, **doc("the same per child unit"))
    trend = items(MonthFigure, **doc("per month"))
    includes_predecessors = items(Predecessor, metadata={
        "description": "former units whose meetings the figures count, for the part of the "
                       "period before the unit existed (whole: merged entirely into it)"})


UnitRef = shape("UnitRef", code=text(), name=text())
TargetReport = shape(
    "TargetReport", unit=fields.Nested(UnitRef), start=day(), end=day(),
    targets=items(TargetFigure, required=True))


class TargetArgs(Period):
    unit = text("unit code (scope)")
    unit_on = text("YYYY-MM-DD: the unit holding the code that day (default: its holder "
                   "during the period)")


class CoverageArgs(Query):
    unit = text("unit code (scope)")
    date = text("YYYY-MM-DD (default today)")


UnitCoverage = shape(
    "UnitCoverage", code=text(), name=text(), wards_total=Int(), wan_connected=Int(),
    vc_deployed=Int())
Unconnected = shape(
    "Unconnected", code=text(), name=text(), parent=text(**NULLABLE), wan_connected=Bool(),
    vc_deployed=Bool())
Connectivity = shape(
    "Connectivity", date=day(), unit=fields.Nested(UnitRef), wards_total=Int(),
    wan_connected=Int(), vc_deployed=Int(), reachable=Int(),
    headlines=fields.List(fields.String()), by_unit=items(UnitCoverage),
    unconnected=items(Unconnected))


# -- notifications ------------------------------------------------------------------------------
Notification = shape(
    "Notification", id=Int(required=True),
    kind=text("invitation, change, cancellation, approval_request, approved, declined, "
              "reminder, tech_reminder, monthly_report…", required=True),
    meeting_id=Int(**NULLABLE), body=text(), text=text(required=True),
    created_at=moment(required=True), read=Bool(required=True))


class NotificationArgs(Query):
    unread = text("1: only the unread ones")


Notifications = shape(
    "Notifications", notifications=items(Notification, required=True),
    unread=Int(required=True, **doc("how many are unread in all")))


# -- paperless ----------------------------------------------------------------------------------
AgendaItem = shape(
    "AgendaItem", id=Int(), position=Int(),
    title=text(required=True, validate=validate.Length(max=300)),
    presenter=text(validate=validate.Length(max=200)),
    minutes=Int(validate=validate.Range(min=1), **doc("planned minutes"), **NULLABLE))
Agenda = shape("Agenda", items=items(AgendaItem, required=True))
Opening = shape("Opening", user=text(), name=text(), unit=text(), at=moment(), times=Int())
Document = shape(
    "Document", id=Int(), name=text(), size=Int(), content_type=text(),
    agenda_item=Int(**NULLABLE), uploaded_at=moment(),
    late=Bool(**doc("sent after the distribution deadline")),
    opened_by=items(Opening, **doc("only for the host unit")))
DocumentList = shape(
    "DocumentList", documents=items(Document, required=True),
    deadline=moment("documents are due by then (DOCUMENT_LEAD_DAYS)"),
    warning=text("for the host: documents late or missing", **NULLABLE))
Upload = shape(
    "Upload", file=fields.Raw(required=True, metadata={"type": "string", "format": "binary"}),
    agenda_item=Int())
Attendance = shape(
    "Attendance", unit=text(), unit_name=text(), host=Bool(), status=one_of(ATTENDANCE),
    person=text(), substitute=text(), reason=text(), updated_at=moment(**NULLABLE))
AttendanceInput = shape(
    "AttendanceInput", status=one_of(ATTENDANCE, required=True),
    person=text(validate=validate.Length(max=200)),
    substitute=text("who attends in the person's place", validate=validate.Length(max=200)),
    reason=text("required when absent", validate=validate.Length(max=500)))
AttendanceSummary = shape(
    "AttendanceSummary", present_in_person=Int(), present_online=Int(), absent=Int(),
    not_checked_in=Int(), substitutes=Int(), invited=Int())
AttendanceList = shape(
    "AttendanceList", attendance=items(Attendance), summary=fields.Nested(AttendanceSummary))
Result = shape(
    "Result", count=Int(),
    percent=Num(**doc("percent of the ballots cast; null when none"), **NULLABLE))
Results = shape(
    "Results", dong_y=fields.Nested(Result), khong_dong_y=fields.Nested(Result),
    phieu_trang=fields.Nested(Result))
NamedBallot = shape("NamedBallot", user=text(), name=text(), unit=text(), choice=one_of(CHOICES))
Vote = shape(
    "Vote", id=Int(), question=text(), agenda_item=Int(**NULLABLE),
    status=one_of(["open", "closed"]), opened_at=moment(), closed_at=moment(**NULLABLE),
    ballots_cast=Int(), my_choice=one_of(CHOICES, **NULLABLE),
    results=fields.Nested(Results, **doc("once closed")),
    ballots=items(NamedBallot, **doc("once closed: the named ballots")))
Votes = shape("Votes", votes=items(Vote))
NewVote = shape(
    "NewVote", question=text(required=True, validate=validate.Length(max=500)), agenda_item=Int())
Choice = shape("Choice", choice=one_of(CHOICES, required=True))
Ballot = shape("Ballot", vote=Int(), choice=one_of(CHOICES), cast_at=moment())
Attendee = shape(
    "Attendee", unit=text(), unit_name=text(), status=one_of(ATTENDANCE), person=text(),
    substitute=text())
Absentee = shape("Absentee", unit=text(), unit_name=text(), reason=text())
Minutes = shape(
    "Minutes", meeting=Int(), title=text(), start=moment(), end=moment(), place=text(),
    chair=text(), secretary=text(), attendees=items(Attendee), absent=items(Absentee),
    discussion=text(), opinions=text(), votes=items(Vote), conclusions=text(),
    conclusion_due=day("5 working days after the meeting"),
    conclusion_issued_at=moment(**NULLABLE), overdue=Bool())
MinutesInput = shape(
    "MinutesInput", place=text(validate=validate.Length(max=300)),
    secretary=text(validate=validate.Length(max=200)),
    discussion=text(validate=validate.Length(max=50000)),
    opinions=text(validate=validate.Length(max=50000)),
    conclusions=text(validate=validate.Length(max=50000)),
    conclusion_issued=Bool(**doc("true: the conclusion notice is issued now")))

