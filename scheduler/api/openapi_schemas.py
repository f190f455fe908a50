"""Hand-written parts of the OpenAPI document: schemas (SPEC field names) and the description
of each documented route. Routes found in the URL map but not described here still appear,
with a generic description, so the document never omits a route."""

P = "/api/v1"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def ok(schema: dict, code: str = "200", description: str = "OK") -> dict:
    return {code: {"description": description, "content": json_content(schema)}}


def listing(plural: str, item: str) -> dict:
    return {"type": "object", "required": [plural],
            "properties": {plural: {"type": "array", "items": ref(item)}}}


def paged(plural: str, item: str) -> dict:
    """A page of a list: the items and the link to the next page (null on the last)."""
    schema = listing(plural, item)
    schema["required"] = [plural, "next"]
    schema["properties"]["next"] = {
        "type": "string", "nullable": True,
        "description": "Relative URL of the next page (the same arguments and a cursor); null on the last page"}
    return schema


def query(name: str, description: str, kind: str = "string") -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind}}


NULL_STR = {"type": "string", "nullable": True}
NULL_TEXT = {"type": "string", "nullable": True, "maxLength": 500}
DATETIME = {"type": "string", "format": "date-time"}
NULL_DATETIME = {"type": "string", "format": "date-time", "nullable": True}
CATEGORIES = ["trien_khai", "so_ket", "tong_ket", "tap_huan", "giao_ban", "lam_viec", "khac"]
MODES = ["in_person", "online", "hybrid"]
STATUSES = ["pending", "scheduled", "held", "cancelled"]
# OpenAPI 3.0.3: a nullable enum lists null among its values
NULL_MODE = {"type": "string", "enum": [*MODES, None], "nullable": True}

# a target's figure over a scope and period (share and planned_share in percent, null = no data)
FIGURE = {"numerator": {"type": "integer"}, "denominator": {"type": "integer"},
          "share": {"type": "number", "nullable": True},
          "met": {"type": "boolean", "nullable": True},
          "planned_share": {"type": "number", "nullable": True}}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}}}}},
    # every 422: the fields at fault, each with its message in the user's language
    "ValidationError": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"],
        "properties": {"code": {"type": "string", "enum": ["invalid"]},
                       "message": {"type": "string"},
                       "details": {"type": "object", "required": ["fields"], "properties": {
                           "fields": {"type": "object",
                                      "additionalProperties": {"type": "string"}}}}}}}},
    "Token": {"type": "object", "properties": {
        "token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_at": DATETIME}},
    "Unit": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["city", "department", "district", "ward"]},
        "parent": NULL_STR, "valid_from": {"type": "string", "format": "date", "nullable": True},
        "valid_to": {"type": "string", "format": "date", "nullable": True},
        "wan_connected": {"type": "boolean"}, "vc_deployed": {"type": "boolean"},
        "email": NULL_STR, "tech_contact": {"type": "object", "nullable": True},
        "predecessors": {"type": "array", "items": {"type": "string"},
                         "description": "codes of the former units this one was formed from"},
        "successors": {"type": "array", "items": {"type": "string"},
                       "description": "codes of the units this one was merged into"}}},
    "Room": {"type": "object", "properties": {
        "id": {"type": "integer"}, "unit": {"type": "string"}, "name": {"type": "string"},
        "capacity": {"type": "integer"}, "paperless": {"type": "boolean"},
        "has_endpoint": {"type": "boolean"}, "requires_approval": {"type": "boolean"}}},
    "Endpoint": {"type": "object", "properties": {
        "id": {"type": "integer"}, "unit": {"type": "string"}, "name": {"type": "string"},
        "host": NULL_STR, "port": {"type": "integer", "nullable": True},
        "protocol": {"type": "string", "enum": ["sip", "h323", "webrtc"]},
        "wan_connected": {"type": "boolean"},
        "wan_connected_on": {"type": "string", "format": "date", "nullable": True},
        "vc_deployed": {"type": "boolean"},
        "vc_deployed_on": {"type": "string", "format": "date", "nullable": True},
        "state": {"type": "string", "enum": ["reachable", "unreachable", "unknown"]},
        "last_checked": NULL_DATETIME}},
    "EndpointInput": {"type": "object", "properties": {
        "unit": {"type": "string", "description": "unit code (required when creating)"},
        "name": {"type": "string", "maxLength": 200},
        "host": {"type": "string", "nullable": True, "maxLength": 255,
                 "description": "IP or name; every address must lie in PROBE_ALLOWED_NETWORKS"},
        "port": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 65535},
        "protocol": {"type": "string", "enum": ["sip", "h323", "webrtc"]},
        "wan_connected_on": {"type": "string", "format": "date", "nullable": True},
        "vc_deployed_on": {"type": "string", "format": "date", "nullable": True}}},
    "EndpointHistory": {"type": "object", "required": ["uptime", "changes"], "properties": {
        "id": {"type": "integer"}, "start": DATETIME, "end": DATETIME,
        "uptime": {"type": "number", "nullable": True, "minimum": 0, "maximum": 1,
                   "description": "share of the period's probes that reached it; null = no probe"},
        "changes": {"type": "array", "items": {"type": "object", "properties": {
            "at": DATETIME, "state": {"type": "string", "enum": ["reachable", "unreachable"]},
            "latency_ms": {"type": "number", "nullable": True},
            "source": {"type": "string", "enum": ["probe", "demo"]}}}}}},
    "Occurrence": {"type": "object", "properties": {
        "id": {"type": "integer"}, "start": DATETIME, "end": DATETIME,
        "original_start": DATETIME, "status": {"type": "string", "enum": STATUSES},
        "held_mode": NULL_MODE, "moved": {"type": "boolean"}}},
    "Meeting": {"type": "object", "required": ["id", "title", "host_unit", "start", "end", "status"],
                "description": "limited=true: the viewer's unit is not invited; only public facts.",
                "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "category": {"type": "string", "enum": CATEGORIES}, "host_unit": {"type": "string"},
        "chair": {"type": "string"}, "start": DATETIME, "end": DATETIME,
        "mode": {"type": "string", "enum": MODES}, "paperless": {"type": "boolean"},
        "rooms": {"type": "array", "items": {"type": "integer"}},
        "participants": {"type": "array", "items": {"type": "string"}},
        "agenda": {"type": "string"}, "status": {"type": "string", "enum": STATUSES},
        "conclusion": {"type": "string", "description": "kết luận of the meeting"},
        "held_mode": NULL_MODE,
        "rrule": NULL_STR, "join_url": NULL_STR, "sequence": {"type": "integer"},
        "uid": {"type": "string", "description": "iCalendar UID"},
        "host_unit_name": {"type": "string"},
        "limited": {"type": "boolean"},
        "decision_reason": NULL_TEXT, "decided_at": NULL_DATETIME,
        "holiday_override_reason": NULL_TEXT, "cancel_reason": NULL_TEXT,
        "occurrences": {"type": "array", "items": ref("Occurrence")},
        "skipped": {"type": "array", "items": DATETIME,
                    "description": "dates of the series left out (EXDATE); see /restore"},
        "meeting_id": {"type": "integer", "description": "in lists: the meeting of this sitting"},
        "occurrence_id": {"type": "integer", "description": "in lists: this sitting"},
        "original_start": {**DATETIME, "description": "in lists: the RRULE date of this sitting"},
        "moved": {"type": "boolean", "description": "in lists: this sitting was moved"}}},
    "MeetingInput": {"type": "object", "required": ["title", "category", "host_unit", "start", "end", "mode"],
                     "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "category": {"type": "string", "enum": CATEGORIES},
        "host_unit": {"type": "string", "description": "unit code"},
        "chair": {"type": "string", "maxLength": 200},
        "start": {**DATETIME, "description": "ISO 8601; without offset = Asia/Ho_Chi_Minh"},
        "end": DATETIME, "mode": {"type": "string", "enum": MODES},
        "paperless": {"type": "boolean"},
        "rooms": {"type": "array", "items": {"type": "integer"}},
        "participants": {"type": "array", "items": {"type": "string"}},
        "agenda": {"type": "string", "maxLength": 20000},
        "conclusion": {"type": "string", "maxLength": 20000,
                       "description": "kết luận (usually recorded once the meeting is held)"},
        "rrule": {"type": "string", "nullable": True,
                  "description": "RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10 "
                                 "(at most 370 sittings within 2 years)"},
        "skip_dates": {"type": "array", "items": {"type": "string", "format": "date"}},
        "on_conflict": {"type": "string", "enum": ["fail", "skip"], "default": "fail"},
        "skip_holidays": {"type": "boolean", "default": False,
                          "description": "a series leaves out its sittings on Vietnamese public "
                                         "holidays (listed in `skipped`)"},
        "holiday_override_reason": {"type": "string", "maxLength": 500}}},
    "Conflict": {"type": "object", "properties": {
        "meeting_id": {"type": "integer"}, "title": {"type": "string"}, "unit": {"type": "string"},
        "unit_name": {"type": "string"}, "start": DATETIME, "end": DATETIME,
        "resource": {"type": "string"}, "resource_kind": {"type": "string", "enum": ["room", "endpoint"]},
        "resource_id": {"type": "integer"}, "date": {"type": "string", "format": "date"},
        "instance": {"type": "integer", "description": "which sitting of the booking (0 = first)"}}},
    "ConflictError": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string", "enum": ["conflict"]}, "message": {"type": "string"},
        "details": {"type": "object", "properties": {
            "conflicts": {"type": "array", "items": ref("Conflict")},
            "next_free": {"type": "object", "nullable": True,
                          "properties": {"start": DATETIME, "end": DATETIME}},
            "dates": {"type": "array", "items": {"type": "string", "format": "date"}}}}}}}},
    "MailProblem": {"type": "object", "properties": {
        "id": {"type": "integer"}, "recipients": {"type": "array", "items": {"type": "string"}},
        "subject": {"type": "string"}, "status": {"type": "string", "enum": ["queued", "failed"]},
        "attempts": {"type": "integer"}, "last_error": NULL_STR,
        "next_attempt_at": {**NULL_DATETIME, "description": "null once given up (failed)"}}},
    "TargetFigure": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"},
        "measure": {"type": "string", "enum": ["share", "ward_vc", "ward_wan", "paperless"]},
        "threshold": {"type": "number", "nullable": True, "description": "percent"},
        **FIGURE,
        "children": {"type": "array", "description": "the same per child unit",
                     "items": {"type": "object", "properties": {
                         "code": {"type": "string"}, "name": {"type": "string"},
                         "kind": {"type": "string"},
                         "threshold": {"type": "number", "nullable": True}, **FIGURE}}},
        "trend": {"type": "array", "description": "per month",
                  "items": {"type": "object", "properties": {
                      "month": {"type": "string", "description": "YYYY-MM"},
                      "numerator": {"type": "integer"}, "denominator": {"type": "integer"},
                      "share": {"type": "number", "nullable": True}}}},
        "includes_predecessors": {
            "type": "array", "description": "former units whose meetings the figures count, for "
            "the part of the period before the unit existed (whole: merged entirely into it)",
            "items": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"},
                "valid_to": {"type": "string", "format": "date"}, "whole": {"type": "boolean"}}}}}},
    "TargetReport": {"type": "object", "required": ["targets"], "properties": {
        "unit": ref("UnitRef"), "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "targets": {"type": "array", "items": ref("TargetFigure")}}},
    "Notification": {"type": "object", "required": ["id", "kind", "text", "created_at", "read"],
                     "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "description": "invitation, change, cancellation, "
                 "approval_request, approved, declined, reminder, tech_reminder, monthly_report…"},
        "meeting_id": {"type": "integer", "nullable": True}, "text": {"type": "string"},
        "body": {"type": "string"}, "created_at": DATETIME, "read": {"type": "boolean"}}},
    "UnitRef": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
    "Connectivity": {"type": "object", "properties": {
        "date": {"type": "string", "format": "date"}, "unit": ref("UnitRef"),
        "wards_total": {"type": "integer"}, "wan_connected": {"type": "integer"},
        "vc_deployed": {"type": "integer"}, "reachable": {"type": "integer"},
        "headlines": {"type": "array", "items": {"type": "string"}},
        "by_unit": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "wards_total": {"type": "integer"}, "wan_connected": {"type": "integer"},
            "vc_deployed": {"type": "integer"}}}},
        "unconnected": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "parent": NULL_STR,
            "wan_connected": {"type": "boolean"}, "vc_deployed": {"type": "boolean"}}}}}},
}

REASON_BODY = {"required": False, "content": json_content(
    {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 500}}})}
RANGE = [query("start", "ISO 8601 date or date-time (default: today)"),
         query("end", "ISO 8601 date (inclusive) or date-time (default: start + 31 days)")]
PAGE = [query("limit", "Items per page, 1 to 1000 (default 100)", "integer"),
        query("cursor", "Opaque position from the previous page's `next` link")]
MEETING = ok(ref("Meeting"))
CONFLICT = {"409": {"description": "Conflict: the clashing meetings and the next free slot",
                    "content": json_content(ref("ConflictError"))}}

OPERATIONS = {
    ("POST", f"{P}/tokens"): {
        "summary": "Issue an API token", "public": True,
        "requestBody": {"required": True, "content": json_content({
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}}})},
        "responses": {**ok(ref("Token"), "201", "Token issued"),
                      "429": {"description": "Too many failed sign-ins; try again later",
                              "content": json_content(ref("Error"))}}},
    ("DELETE", f"{P}/tokens/current"): {
        "summary": "Revoke the bearer token this request carries",
        "responses": ok({"type": "object", "required": ["revoked", "id"], "properties": {
            "revoked": {"type": "boolean"}, "id": {"type": "integer"}}},
            "200", "Revoked: the token no longer opens the API")},
    ("GET", f"{P}/units"): {
        "summary": "List units", "responses": ok(paged("units", "Unit")),
        "parameters": [query("kind", "city, department, district or ward"),
                       query("parent", "parent unit code"),
                       query("on", "the day whose tree is listed, YYYY-MM-DD (default today); "
                             "422 with details.fields.on when it is not a date"),
                       query("all", "1: also the units not existing on that day"),
                       query("q", "words of the name (case and Vietnamese marks ignored) or part "
                             "of the code")] + PAGE},
    ("GET", f"{P}/units/{{code}}"): {
        "summary": "One unit: the holder of the code on a day (codes are reused after mergers)",
        "parameters": [query("on", "YYYY-MM-DD, default today")], "responses": ok(ref("Unit"))},
    ("GET", f"{P}/rooms"): {"summary": "List rooms", "parameters": [query("unit", "unit code")] + PAGE,
                            "responses": ok(paged("rooms", "Room"))},
    ("GET", f"{P}/endpoints"): {
        "summary": "List endpoints", "responses": ok(paged("endpoints", "Endpoint")),
        "parameters": [query("unit", "unit code"),
                       query("state", "reachable, unreachable or unknown")] + PAGE},
    ("POST", f"{P}/endpoints"): {
        "summary": "Add an endpoint to a unit the caller manages",
        "requestBody": {"required": True, "content": json_content(ref("EndpointInput"))},
        "responses": ok(ref("Endpoint"), "201", "Created")},
    ("PATCH", f"{P}/endpoints/{{endpoint_id}}"): {
        "summary": "Change an endpoint (only the fields given)",
        "requestBody": {"required": True, "content": json_content(ref("EndpointInput"))},
        "responses": ok(ref("Endpoint"))},
    ("GET", f"{P}/endpoints/{{endpoint_id}}/history"): {
        "summary": "State changes and uptime of an endpoint",
        "parameters": [query("start", "ISO 8601 date or date-time (default: 6 days before end)"),
                       query("end", "ISO 8601 date (inclusive) or date-time (default: today)")],
        "responses": ok(ref("EndpointHistory"))},
    ("GET", f"{P}/meetings"): {
        "summary": "Meetings hosted by or involving a unit, one item per sitting",
        "parameters": RANGE + [query("unit", "unit code"), query("room", "room id", "integer"),
                               query("q", "words found in the title or the host unit's name, "
                                     "ignoring case and Vietnamese marks (\"tong ket ba dinh\"); "
                                     "at most 200 characters")] + PAGE,
        "responses": ok(paged("meetings", "Meeting"))},
    ("POST", f"{P}/meetings"): {
        "summary": "Book a meeting or a series",
        "requestBody": {"required": True, "content": json_content(ref("MeetingInput"))},
        "responses": {**ok(ref("Meeting"), "201", "Booked"), **CONFLICT}},
    ("GET", f"{P}/meetings/pending"): {"summary": "Bookings awaiting my approval", "parameters": PAGE,
                                       "responses": ok(paged("meetings", "Meeting"))},
    ("GET", f"{P}/meetings/{{meeting_id}}"): {"summary": "One meeting", "responses": MEETING},
    ("PATCH", f"{P}/meetings/{{meeting_id}}"): {
        "summary": "Change a meeting (only the fields given)",
        "requestBody": {"required": True, "content": json_content(ref("MeetingInput"))},
        "responses": {**MEETING, **CONFLICT}},
    ("POST", f"{P}/meetings/{{meeting_id}}/cancel"): {
        "summary": "Cancel a meeting, or withdraw one recorded as held (reason required: 422 "
                   "without it); either leaves the reports", "requestBody": REASON_BODY,
        "responses": MEETING},
    ("POST", f"{P}/meetings/{{meeting_id}}/approve"): {
        "summary": "Approve a pending booking", "requestBody": REASON_BODY, "responses": MEETING},
    ("POST", f"{P}/meetings/{{meeting_id}}/decline"): {
        "summary": "Decline a pending booking (reason required)", "requestBody": REASON_BODY,
        "responses": MEETING},
    ("POST", f"{P}/meetings/{{meeting_id}}/restore"): {
        "summary": "Take back a skipped date of a series",
        "requestBody": {"required": True, "content": json_content(
            {"type": "object", "required": ["original_start"],
             "properties": {"original_start": DATETIME}})},
        "responses": {**ok(ref("Occurrence"), "201", "Restored"), **CONFLICT}},
    ("POST", f"{P}/meetings/{{meeting_id}}/occurrences/{{occurrence_id}}/cancel"): {
        "summary": "Cancel one sitting of a series", "requestBody": REASON_BODY,
        "responses": ok(ref("Occurrence"))},
    ("POST", f"{P}/meetings/{{meeting_id}}/occurrences/{{occurrence_id}}/move"): {
        "summary": "Move one sitting of a series",
        "requestBody": {"required": True, "content": json_content(
            {"type": "object", "required": ["start", "end"],
             "properties": {"start": DATETIME, "end": DATETIME}})},
        "responses": {**ok(ref("Occurrence")), **CONFLICT}},
    ("POST", f"{P}/meetings/{{meeting_id}}/occurrences/{{occurrence_id}}/held-mode"): {
        "summary": "Correct the mode a sitting was held in",
        "requestBody": {"required": True, "content": json_content(
            {"type": "object", "required": ["held_mode"],
             "properties": {"held_mode": {"type": "string", "enum": MODES}}})},
        "responses": ok(ref("Occurrence"))},
    ("GET", f"{P}/meetings/{{meeting_id}}/invite.ics"): {
        "summary": "iCalendar invite (METHOD:REQUEST, or CANCEL once cancelled)",
        "responses": {"200": {"description": "text/calendar",
                              "content": {"text/calendar": {"schema": {"type": "string"}}}}}},
    ("GET", f"{P}/meetings/{{meeting_id}}/mail-status"): {
        "summary": "Invitation e-mails of the meeting not delivered yet",
        "responses": ok(listing("mail_problems", "MailProblem"))},
    ("GET", f"{P}/reports/targets"): {
        "summary": "Every target's figure",
        "parameters": RANGE + [query("unit", "unit code (scope)"),
                               query("unit_on", "YYYY-MM-DD: the unit holding the code that day "
                                     "(default: its holder during the period)")],
        "responses": ok(ref("TargetReport"))},
    ("GET", f"{P}/reports/connectivity"): {
        "summary": "Ward coverage", "parameters": [query("unit", "unit code (scope)")],
        "responses": ok(ref("Connectivity"))},
    ("GET", f"{P}/notifications"): {
        "summary": "My notices, newest first (at most 100)",
        "parameters": [query("unread", "1: only the unread ones")],
        "responses": ok({"type": "object", "required": ["notifications", "unread"], "properties": {
            "notifications": {"type": "array", "items": ref("Notification")},
            "unread": {"type": "integer", "description": "how many are unread in all"}}})},
    ("POST", f"{P}/notifications/{{notification_id}}/read"): {
        "summary": "Mark one of my notices read", "requestBody": {"required": False,
        "content": json_content({"type": "object"})}, "responses": ok(ref("Notification"))},
    ("GET", f"{P}/openapi.json"): {"summary": "This document", "public": True,
                                   "responses": ok({"type": "object"})},
}

# the paperless routes describe themselves next to their code
from ..paperless import openapi as _paperless  # noqa: E402

SCHEMAS.update(_paperless.SCHEMAS)
OPERATIONS.update(_paperless.OPERATIONS)
