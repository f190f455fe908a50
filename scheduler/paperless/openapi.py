"""The paperless routes' part of the OpenAPI document (merged into api/openapi_schemas.py)."""
P = "/api/v1"
ONE = f"{P}/meetings/{{meeting_id}}"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def ok(schema: dict, code: str = "200", description: str = "OK") -> dict:
    return {code: {"description": description, "content": content(schema)}}


def error(code: str, description: str) -> dict:
    return {code: {"description": description, "content": content(ref("Error"))}}


STR = {"type": "string"}
INT = {"type": "integer"}
DATETIME = {"type": "string", "format": "date-time"}
NULL_DATETIME = {**DATETIME, "nullable": True}
NULL_INT = {"type": "integer", "nullable": True}
ATTENDANCE = ["present_in_person", "present_online", "absent", "not_checked_in"]
CHOICES = ["dong_y", "khong_dong_y", "phieu_trang"]
RESULT = {"type": "object", "properties": {
    "count": INT, "percent": {"type": "number", "nullable": True,
                              "description": "percent of the ballots cast; null when none"}}}

SCHEMAS = {
    "AgendaItem": {"type": "object", "required": ["title"], "properties": {
        "id": INT, "position": INT, "title": {"type": "string", "maxLength": 300},
        "presenter": {"type": "string", "maxLength": 200},
        "minutes": {"type": "integer", "nullable": True, "minimum": 1,
                    "description": "planned minutes"}}},
    "Agenda": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("AgendaItem")}}},
    "Document": {"type": "object", "properties": {
        "id": INT, "name": STR, "size": INT, "content_type": STR, "agenda_item": NULL_INT,
        "uploaded_at": DATETIME,
        "late": {"type": "boolean", "description": "sent after the distribution deadline"},
        "opened_by": {"type": "array", "description": "only for the host unit",
                      "items": {"type": "object", "properties": {
                          "user": STR, "name": STR, "unit": STR, "at": DATETIME, "times": INT}}}}},
    "DocumentList": {"type": "object", "required": ["documents"], "properties": {
        "documents": {"type": "array", "items": ref("Document")},
        "deadline": {**DATETIME, "description": "documents are due by then (DOCUMENT_LEAD_DAYS)"},
        "warning": {"type": "string", "nullable": True,
                    "description": "for the host: documents late or missing"}}},
    "Attendance": {"type": "object", "properties": {
        "unit": STR, "unit_name": STR, "host": {"type": "boolean"},
        "status": {"type": "string", "enum": ATTENDANCE}, "person": STR, "substitute": STR,
        "reason": STR, "updated_at": NULL_DATETIME}},
    "AttendanceInput": {"type": "object", "required": ["status"], "properties": {
        "status": {"type": "string", "enum": ATTENDANCE},
        "person": {"type": "string", "maxLength": 200},
        "substitute": {"type": "string", "maxLength": 200,
                       "description": "who attends in the person's place"},
        "reason": {"type": "string", "maxLength": 500, "description": "required when absent"}}},
    "AttendanceList": {"type": "object", "properties": {
        "attendance": {"type": "array", "items": ref("Attendance")},
        "summary": {"type": "object", "properties": {
            **{status: INT for status in ATTENDANCE}, "substitutes": INT, "invited": INT}}}},
    "Vote": {"type": "object", "properties": {
        "id": INT, "question": STR, "agenda_item": NULL_INT,
        "status": {"type": "string", "enum": ["open", "closed"]}, "opened_at": DATETIME,
        "closed_at": NULL_DATETIME, "ballots_cast": INT,
        "my_choice": {"type": "string", "enum": [*CHOICES, None], "nullable": True},
        "results": {"type": "object", "description": "once closed",
                    "properties": {choice: RESULT for choice in CHOICES}},
        "ballots": {"type": "array", "description": "once closed: the named ballots",
                    "items": {"type": "object", "properties": {
                        "user": STR, "name": STR, "unit": STR,
                        "choice": {"type": "string", "enum": CHOICES}}}}}},
    "Ballot": {"type": "object", "properties": {
        "vote": INT, "choice": {"type": "string", "enum": CHOICES}, "cast_at": DATETIME}},
    "Minutes": {"type": "object", "properties": {
        "meeting": INT, "title": STR, "start": DATETIME, "end": DATETIME, "place": STR,
        "chair": STR, "secretary": STR,
        "attendees": {"type": "array", "items": {"type": "object", "properties": {
            "unit": STR, "unit_name": STR, "status": {"type": "string", "enum": ATTENDANCE},
            "person": STR, "substitute": STR}}},
        "absent": {"type": "array", "items": {"type": "object", "properties": {
            "unit": STR, "unit_name": STR, "reason": STR}}},
        "discussion": STR, "opinions": STR, "votes": {"type": "array", "items": ref("Vote")},
        "conclusions": STR,
        "conclusion_due": {"type": "string", "format": "date",
                           "description": "5 working days after the meeting"},
        "conclusion_issued_at": NULL_DATETIME, "overdue": {"type": "boolean"}}},
    "MinutesInput": {"type": "object", "properties": {
        "place": {"type": "string", "maxLength": 300},
        "secretary": {"type": "string", "maxLength": 200},
        "discussion": {"type": "string", "maxLength": 50000},
        "opinions": {"type": "string", "maxLength": 50000},
        "conclusions": {"type": "string", "maxLength": 50000},
        "conclusion_issued": {"type": "boolean",
                              "description": "true: the conclusion notice is issued now"}}},
}

CLOSED = error("409", "The vote is closed, or this person has voted already")
CANCELLED = error("409", "The meeting is cancelled")
BINARY = {"type": "string", "format": "binary"}
FILE_TYPES = ("application/pdf",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation")
OPERATIONS = {
    ("GET", f"{ONE}/agenda"): {"summary": "The meeting's agenda items", "responses": ok(ref("Agenda"))},
    ("PUT", f"{ONE}/agenda"): {
        "summary": "Replace the agenda (items with an id keep their identity)",
        "requestBody": {"required": True, "content": content(ref("Agenda"))},
        "responses": {**ok(ref("Agenda")), **CANCELLED}},
    ("POST", f"{ONE}/documents"): {
        "summary": "Upload a document (PDF, DOCX, XLSX, PPTX, recognised by content)",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"},
                "agenda_item": {"type": "integer"}}}}}},
        "responses": {**ok(ref("Document"), "201", "Stored"),
                      **error("413", "Larger than DOCUMENT_MAX_MB"), **CANCELLED,
                      **error("415", "Not a PDF, DOCX, XLSX or PPTX")}},
    ("GET", f"{ONE}/documents"): {"summary": "The meeting's documents (who opened them: host only)",
                                  "responses": ok(ref("DocumentList"))},
    ("GET", f"{P}/documents/{{document_id}}"): {
        "summary": "Download a document (the opening is recorded)",
        "responses": {"200": {"description": "The file, as the type its content was recognised as",
                              "content": {kind: {"schema": BINARY} for kind in FILE_TYPES}}}},
    ("GET", f"{ONE}/attendance"): {"summary": "Attendance per invited unit, with a summary",
                                   "responses": ok(ref("AttendanceList"))},
    ("PUT", f"{ONE}/attendance/{{unit_code}}"): {
        "summary": "Record one invited unit's attendance",
        "requestBody": {"required": True, "content": content(ref("AttendanceInput"))},
        "responses": {**ok(ref("Attendance")), **CANCELLED}},
    ("GET", f"{ONE}/votes"): {"summary": "The meeting's votes",
                              "responses": ok({"type": "object", "properties": {
                                  "votes": {"type": "array", "items": ref("Vote")}}})},
    ("POST", f"{ONE}/votes"): {
        "summary": "Open a named vote (host)",
        "requestBody": {"required": True, "content": content({
            "type": "object", "required": ["question"], "properties": {
                "question": {"type": "string", "maxLength": 500}, "agenda_item": INT}})},
        "responses": {**ok(ref("Vote"), "201", "Opened"), **CANCELLED}},
    ("POST", f"{P}/votes/{{vote_id}}/ballots"): {
        "summary": "Cast one's ballot (users of the host and the invited units, once)",
        "requestBody": {"required": True, "content": content({
            "type": "object", "required": ["choice"], "properties": {
                "choice": {"type": "string", "enum": CHOICES}}})},
        "responses": {**ok(ref("Ballot"), "201", "Counted"), **CLOSED}},
    ("POST", f"{P}/votes/{{vote_id}}/close"): {
        "summary": "Close a vote (host): results in numbers and percent",
        "responses": {**ok(ref("Vote")), **error("409", "Closed already")}},
    ("GET", f"{ONE}/minutes"): {"summary": "The minutes and the conclusion notice's due date",
                                "responses": ok(ref("Minutes"))},
    ("PUT", f"{ONE}/minutes"): {
        "summary": "Write the minutes; issue the conclusion notice",
        "requestBody": {"required": True, "content": content(ref("MinutesInput"))},
        "responses": ok(ref("Minutes"))},
}
