"""GET /api/v1/openapi.json: a valid OpenAPI 3 document that is kept true by checking it
against the application — every /api/v1 route documented with its methods and nothing more,
every route described by its schemas (scheduler/api/schemas.py, through flask-smorest), and
the real responses of the routes matching the documented status codes, media types and
schemas (no undocumented field)."""
import copy
import re
from datetime import timedelta

import pytest
from flask import g
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec

from scheduler.auth import services as auth_services
from scheduler.extensions import db
from scheduler.mail.models import OutgoingMail
from scheduler.meetings.series import local_day
from tests.booking_helpers import at, request_for

PREFIX = "/api/v1"
_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def api_routes(app) -> set[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every rule under /api/v1, <int:meeting_id> as {meeting_id}."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule != PREFIX and not rule.rule.startswith(PREFIX + "/"):
            continue
        path = _ARGUMENT.sub(lambda m: "{" + m[1] + "}", rule.rule)
        found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented(doc) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items()
            for method in item if method in ("get", "put", "post", "delete", "patch")}


def described(doc) -> set[tuple[str, str]]:
    """Routes whose entry has a summary and a documented success answer with its content."""
    return {(method.upper(), path) for path, item in doc["paths"].items()
            for method, operation in item.items()
            if operation.get("summary") and any(code.startswith("2") and "content" in body
                                                for code, body in operation["responses"].items())}


def undescribed(app) -> set[tuple[str, str]]:
    """Routes without a description built from their schemas."""
    from scheduler.api.openapi import build_document

    with app.test_request_context():  # no request yet: a test may still add a route
        return api_routes(app) - described(build_document())


@pytest.fixture
def document(client):
    response = client.get(f"{PREFIX}/openapi.json")  # public: no sign-in
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.0")
    validate_spec(document)  # raises on any structural error or unresolvable $ref
    assert document["info"]["title"] and document["info"]["version"]
    assert set(document["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}
    assert document["paths"][f"{PREFIX}/tokens"]["post"]["security"] == []


def test_every_route_is_documented_and_every_documented_path_is_a_route(app, document):
    routes = api_routes(app)
    assert routes - documented(document) == set(), "routes missing from the document"
    assert documented(document) - routes == set(), "documented paths that are no route"
    # the ones the SPEC names, so that the check above is not comparing two empty sets
    assert {("POST", f"{PREFIX}/meetings"), ("PATCH", f"{PREFIX}/meetings/{{meeting_id}}"),
            ("GET", f"{PREFIX}/meetings/{{meeting_id}}/invite.ics"),
            ("GET", f"{PREFIX}/reports/connectivity"), ("POST", f"{PREFIX}/tokens")} <= routes
    for path, item in document["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (method, path)


def test_every_route_is_described_by_its_schemas(app, document):
    """A route added anywhere under /api/v1 must declare its answer (`@bp.response` with a
    schema of scheduler/api/schemas.py) and say what it does (its docstring's first line)."""
    assert undescribed(app) == set(), "declare the schemas of these (scheduler/api/schemas.py)"
    assert described(document) == api_routes(app)
    assert (document["paths"][f"{PREFIX}/meetings"]["post"]["summary"]
            == "Book a meeting or a series")
    assert (document["paths"][f"{PREFIX}/meetings"]["post"]["requestBody"]["content"]
            ["application/json"]["schema"] == {"$ref": "#/components/schemas/NewMeeting"})


def test_a_new_route_is_caught(app):
    """The checks above see a route the moment any blueprint adds one."""
    before = undescribed(app)
    app.add_url_rule(f"{PREFIX}/probe/<int:probe_id>", "api_probe_tmp",
                     lambda probe_id: {"id": probe_id}, methods=["GET", "DELETE"])
    assert undescribed(app) - before == {("GET", f"{PREFIX}/probe/{{probe_id}}"),
                                ("DELETE", f"{PREFIX}/probe/{{probe_id}}")}
    doc = app.test_client().get(f"{PREFIX}/openapi.json").get_json()
    assert documented(doc) == api_routes(app)
    validate_spec(doc)


# -- the documented responses are the real ones ------------------------------------------------
def _closed(schema):
    """The schema with every object that lists its properties closed to others, so that a
    field the API returns but the document does not mention fails the check."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: (value if key == "enum" else _closed(value)) for key, value in schema.items()}
    if "properties" in closed and isinstance(closed["properties"], dict):
        closed["properties"] = {name: _closed(s) for name, s in schema["properties"].items()}
        closed.setdefault("additionalProperties", False)
    return closed


class Checker:
    """Calls the API and checks each answer against the document."""

    def __init__(self, client, doc):
        self.client, self.doc = client, doc
        self.components = _closed(copy.deepcopy(doc["components"]))
        self.seen: set[tuple[str, str, int]] = set()

    def call(self, method, url, path, token=None, expect=200, **kw):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # the app fixture keeps one app context, so one `g`, across requests: drop the user
        # Flask-Login cached there, as each request of a real server starts without it
        g.pop("_login_user", None)
        response = self.client.open(url, method=method, headers=headers, **kw)
        assert response.status_code == expect, (method, url, response.get_data(as_text=True)[:500])
        operation = self.doc["paths"][path][method.lower()]
        documented_answer = operation["responses"].get(str(expect))
        assert documented_answer, f"{method} {path}: status {expect} is not documented"
        content = documented_answer.get("content", {})
        assert response.mimetype in content, (method, path, response.mimetype, list(content))
        if response.mimetype == "application/json":
            schema = {**_closed(content["application/json"]["schema"]),
                      "components": self.components}
            errors = sorted(OAS30Validator(schema, format_checker=oas30_format_checker)
                            .iter_errors(response.get_json()), key=str)
            assert not errors, f"{method} {path} {expect}: " + "; ".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
        self.seen.add((method, path, expect))
        return response.get_json() if response.is_json else response


M = f"{PREFIX}/meetings"
ONE = f"{M}/{{meeting_id}}"
SITTING = f"{ONE}/occurrences/{{occurrence_id}}"
SPEC_ROUTES = {("POST", f"{PREFIX}/tokens"), ("GET", f"{PREFIX}/units"),
               ("GET", f"{PREFIX}/units/{{code}}"), ("GET", f"{PREFIX}/rooms"),
               ("GET", f"{PREFIX}/endpoints"), ("GET", M), ("POST", M), ("GET", ONE),
               ("PATCH", ONE), ("POST", f"{ONE}/cancel"), ("GET", f"{ONE}/invite.ics"),
               ("GET", f"{PREFIX}/reports/targets"), ("GET", f"{PREFIX}/reports/connectivity"),
               ("GET", f"{PREFIX}/openapi.json"), ("GET", f"{M}/pending"),
               ("POST", f"{ONE}/approve"), ("POST", f"{ONE}/decline"), ("POST", f"{ONE}/restore"),
               ("POST", f"{SITTING}/cancel"), ("POST", f"{SITTING}/move"),
               ("POST", f"{SITTING}/held-mode"), ("GET", f"{ONE}/mail-status"),
               ("GET", f"{PREFIX}/notifications"),
               ("POST", f"{PREFIX}/notifications/{{notification_id}}/read")}


PAPERLESS_ROUTES = {("GET", f"{ONE}/agenda"), ("PUT", f"{ONE}/agenda"), ("POST", f"{ONE}/documents"),
                    ("GET", f"{ONE}/documents"), ("GET", f"{PREFIX}/documents/{{document_id}}"),
                    ("GET", f"{ONE}/attendance"), ("PUT", f"{ONE}/attendance/{{unit_code}}"),
                    ("GET", f"{ONE}/votes"), ("POST", f"{ONE}/votes"),
                    ("POST", f"{PREFIX}/votes/{{vote_id}}/ballots"),
                    ("POST", f"{PREFIX}/votes/{{vote_id}}/close"), ("GET", f"{ONE}/minutes"),
                    ("PUT", f"{ONE}/minutes")}


def test_real_responses_match_the_documented_ones(app, client, tree, rooms, document):
    api = Checker(client, document)
    api.call("GET", f"{PREFIX}/openapi.json", f"{PREFIX}/openapi.json")
    api.call("POST", f"{PREFIX}/tokens", f"{PREFIX}/tokens", expect=422,
             json={"username": "vp_phucxa", "password": "sai mat khau"})
    ward = api.call("POST", f"{PREFIX}/tokens", f"{PREFIX}/tokens", expect=201,
                    json={"username": "vp_phucxa", "password": tree.password})["token"]
    tokens = {name: auth_services.issue_token(getattr(tree.users, name))[0]
              for name in ("admin", "district_admin", "district_staff", "other_ward_staff")}
    db.session.commit()

    api.call("GET", f"{PREFIX}/units?kind=ward", f"{PREFIX}/units", ward)
    api.call("GET", f"{PREFIX}/units/00001", f"{PREFIX}/units/{{code}}", ward)
    api.call("GET", f"{PREFIX}/units/khong-co", f"{PREFIX}/units/{{code}}", ward, expect=404)
    api.call("GET", f"{PREFIX}/rooms?unit=00001", f"{PREFIX}/rooms", ward)
    api.call("GET", f"{PREFIX}/endpoints?unit=00001", f"{PREFIX}/endpoints", ward)
    api.call("GET", M, M, expect=401)

    # a series of three Mondays, the second skipped, online with a room
    start = at(14, 8) - timedelta(days=at(14, 8).weekday())
    body = request_for(tree.phuc_xa, start, rooms=[rooms["phuc_xa"].id], mode="online",
                       participants=["00004"], rrule="FREQ=WEEKLY;COUNT=3",
                       skip_dates=[local_day(start + timedelta(weeks=1)).isoformat()])
    series = api.call("POST", M, M, ward, expect=201, json=body)
    api.call("POST", M, M, ward, expect=409, json={**body, "rrule": None, "skip_dates": None})
    api.call("POST", M, M, ward, expect=422, json={**body, "mode": "qua thu"})
    one = f"{M}/{series['id']}"
    api.call("GET", f"{M}?start={local_day(start).isoformat()}&unit=00001", M, ward)
    found = api.call("GET", f"{M}?start={local_day(start).isoformat()}&q=GIAO+BAN+tuan", M, ward)
    assert found["meetings"] and api.call("GET", f"{M}?q=khong+co+dau", M, ward)["meetings"] == []
    api.call("GET", one, ONE, ward)
    api.call("GET", one, ONE, tokens["other_ward_staff"])  # public facts only
    api.call("GET", f"{M}/999999", ONE, ward, expect=404)
    api.call("PATCH", one, ONE, ward, json={"title": "Giao ban trực tuyến tuần"})
    api.call("PATCH", one, ONE, tokens["other_ward_staff"], expect=403, json={"title": "x"})
    api.call("POST", f"{one}/restore", f"{ONE}/restore", ward, expect=201,
             json={"original_start": series["skipped"][0]})
    sittings = api.call("GET", one, ONE, ward)["occurrences"]
    first, last = sittings[0], sittings[-1]
    moved = {"start": (start + timedelta(hours=6)).isoformat(),
             "end": (start + timedelta(hours=7)).isoformat()}
    onto_restored = {"start": sittings[1]["start"], "end": sittings[1]["end"]}
    api.call("POST", f"{one}/occurrences/{first['id']}/move", f"{SITTING}/move", ward,
             expect=409, json=onto_restored)
    api.call("POST", f"{one}/occurrences/{first['id']}/move", f"{SITTING}/move", ward, json=moved)
    api.call("POST", f"{one}/occurrences/{last['id']}/cancel", f"{SITTING}/cancel", ward,
             json={"reason": "Trùng lịch tiếp dân"})
    api.call("GET", f"{one}/invite.ics", f"{ONE}/invite.ics", ward)
    db.session.add(OutgoingMail(recipients=["vanthu@phucxa.gov.vn"], subject="Giấy mời họp",
                                meeting_id=series["id"], status="failed", attempts=5,
                                last_error="550 mailbox unavailable"))
    db.session.commit()
    problems = api.call("GET", f"{one}/mail-status", f"{ONE}/mail-status", ward)["mail_problems"]
    assert [p["status"] for p in problems] == ["failed"]
    api.call("POST", f"{one}/cancel", f"{ONE}/cancel", ward, json={"reason": "Đổi kế hoạch"})

    # recorded after the fact: held at once, its mode corrected
    past = api.call("POST", M, M, ward, expect=201,
                    json=request_for(tree.phuc_xa, at(-3, 8), title="Họp đã diễn ra"))
    api.call("POST", f"{M}/{past['id']}/occurrences/{past_sitting(past)}/held-mode",
             f"{SITTING}/held-mode", ward, json={"held_mode": "hybrid"})

    # a room that needs approval: one booking approved, one declined
    gated = [request_for(tree.ba_dinh, at(15, hour), rooms=[rooms["gated"].id]) for hour in (8, 14)]
    pending = [api.call("POST", M, M, tokens["district_staff"], expect=201, json=b) for b in gated]
    api.call("GET", f"{M}/pending", f"{M}/pending", tokens["district_admin"])
    api.call("POST", f"{M}/{pending[0]['id']}/approve", f"{ONE}/approve", tokens["district_admin"])
    api.call("POST", f"{M}/{pending[1]['id']}/decline", f"{ONE}/decline", tokens["district_admin"],
             json={"reason": "Phòng đang sửa chữa"})

    # the booker heard of both decisions
    notices = api.call("GET", f"{PREFIX}/notifications", f"{PREFIX}/notifications",
                       tokens["district_staff"])["notifications"]
    api.call("POST", f"{PREFIX}/notifications/{notices[0]['id']}/read",
             f"{PREFIX}/notifications/{{notification_id}}/read", tokens["district_staff"])
    api.call("POST", f"{PREFIX}/notifications/999999/read",
             f"{PREFIX}/notifications/{{notification_id}}/read", tokens["district_staff"], expect=404)

    api.call("GET", f"{PREFIX}/reports/targets?unit=01", f"{PREFIX}/reports/targets", tokens["admin"])
    api.call("GET", f"{PREFIX}/reports/connectivity?unit=01", f"{PREFIX}/reports/connectivity",
             tokens["admin"])

    exercised = {(method, path) for method, path, _status in api.seen}
    # the SPEC's public interface at least; a route added later is held to the checks above
    # (documented, described) and should get its call here too
    assert SPEC_ROUTES - exercised == set(), "documented routes this test does not call"


def past_sitting(meeting: dict) -> int:
    from scheduler.meetings.models import Occurrence

    return db.session.query(Occurrence.id).filter_by(meeting_id=meeting["id"]).scalar()


def test_every_422_carries_fields_in_one_shape(tree, client, auth):
    """Input refused anywhere in the API — a body that is no object, a bad date in a query, an
    unknown field, a bad value — answers the same shape: details.fields as {field: message}."""
    from scheduler.auth import services as auth_services

    token = auth_services.issue_token(tree.users.ward_staff)[0]
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    answers = [
        client.post("/api/v1/meetings", data="[1, 2]", content_type="application/json",
                    headers=bearer),
        client.get("/api/v1/meetings?start=hôm-nay", headers=bearer),
        client.get("/api/v1/meetings?room=abc", headers=bearer),
        client.post("/api/v1/meetings", json={"title": "", "category": "không-có"}, headers=bearer),
        client.get("/api/v1/reports/targets?start=2026-13-01", headers=bearer),
        client.post("/api/v1/tokens", json={"username": ""}),
    ]
    for resp in answers:
        assert resp.status_code == 422, resp.get_json()
        details = resp.get_json()["error"]["details"]
        assert isinstance(details["fields"], dict)
        assert all(isinstance(k, str) and isinstance(v, str) and v
                   for k, v in details["fields"].items())
    assert set(answers[1].get_json()["error"]["details"]["fields"]) == {"start"}
    assert {"title", "category"} <= set(answers[3].get_json()["error"]["details"]["fields"])


def test_paperless_responses_match_the_documented_ones(app, client, tree, document, create_user,
                                                      tmp_path):
    import io

    from tests.paperless_helpers import PDF_BYTES

    app.config["DOCUMENT_DIR"] = str(tmp_path)
    api = Checker(client, document)
    guest = create_user("vp_trucbach", "staff", tree.truc_bach)
    tokens = {name: auth_services.issue_token(user)[0] for name, user in (
        ("host", tree.users.ward_staff), ("guest", guest), ("stranger", tree.users.other_ward_staff))}
    db.session.commit()
    host = tokens["host"]
    meeting = api.call("POST", M, M, host, expect=201, json=request_for(
        tree.phuc_xa, at(12, 8), paperless=True, participants=["00004"]))
    one = f"{M}/{meeting['id']}"
    items = api.call("PUT", f"{one}/agenda", f"{ONE}/agenda", host, json={"items": [
        {"title": "Báo cáo", "presenter": "Văn phòng", "minutes": 20}]})["items"]
    api.call("PUT", f"{one}/agenda", f"{ONE}/agenda", host, expect=422, json={"items": "x"})
    api.call("GET", f"{one}/agenda", f"{ONE}/agenda", tokens["guest"])
    api.call("GET", f"{one}/agenda", f"{ONE}/agenda", tokens["stranger"], expect=403)
    doc = api.call("POST", f"{one}/documents", f"{ONE}/documents", host, expect=201,
                   data={"file": (io.BytesIO(PDF_BYTES), "a.pdf"), "agenda_item": str(items[0]["id"])},
                   content_type="multipart/form-data")
    api.call("POST", f"{one}/documents", f"{ONE}/documents", host, expect=415,
             data={"file": (io.BytesIO(b"MZ" * 50), "a.pdf")}, content_type="multipart/form-data")
    api.call("GET", f"{PREFIX}/documents/{doc['id']}", f"{PREFIX}/documents/{{document_id}}",
             tokens["guest"]).close()
    api.call("GET", f"{one}/documents", f"{ONE}/documents", host)
    api.call("PUT", f"{one}/attendance/00004", f"{ONE}/attendance/{{unit_code}}", host,
             json={"status": "present_online", "substitute": "Phó Chủ tịch"})
    api.call("GET", f"{one}/attendance", f"{ONE}/attendance", host)
    vote = api.call("POST", f"{one}/votes", f"{ONE}/votes", host, expect=201,
                    json={"question": "Thông qua", "agenda_item": items[0]["id"]})
    ballots = f"{PREFIX}/votes/{{vote_id}}/ballots"
    api.call("POST", f"{PREFIX}/votes/{vote['id']}/ballots", ballots, tokens["guest"], expect=201,
             json={"choice": "dong_y"})
    api.call("POST", f"{PREFIX}/votes/{vote['id']}/ballots", ballots, tokens["guest"], expect=409,
             json={"choice": "dong_y"})
    api.call("POST", f"{PREFIX}/votes/{vote['id']}/close", f"{PREFIX}/votes/{{vote_id}}/close", host)
    api.call("GET", f"{one}/votes", f"{ONE}/votes", host)
    api.call("PUT", f"{one}/minutes", f"{ONE}/minutes", host,
             json={"conclusions": "Thống nhất.", "conclusion_issued": True})
    api.call("GET", f"{one}/minutes", f"{ONE}/minutes", tokens["guest"])
    exercised = {(method, path) for method, path, _status in api.seen}
    assert PAPERLESS_ROUTES - exercised == set()
