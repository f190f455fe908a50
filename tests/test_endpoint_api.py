"""POST and PATCH /api/v1/endpoints: the form's rules and audit, within the caller's subtree."""
import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db


def bearer(client, username) -> dict:
    token = client.post("/api/v1/tokens", json={"username": username, "password": "matkhau123"})
    return {"Authorization": "Bearer " + token.get_json()["token"]}


def new_endpoint(unit="00001", **kw) -> dict:
    return {"unit": unit, "name": "Điểm cầu hội trường tầng 2", "host": "127.0.3.4",
            "port": 5060, "protocol": "h323", "wan_connected_on": "2019-03-01",
            "vc_deployed_on": "2019-06-15", **kw}


def endpoints_named(name):
    db.session.rollback()
    return list(db.session.scalars(sa.select(Endpoint).where(Endpoint.name == name)))


@pytest.mark.parametrize("username, unit, status", [
    ("qt_phucxa", "00001", 201),     # the ward's own admin
    ("qt_badinh", "00001", 201),     # the district admin, for a ward below it
    ("admin", "00037", 201),         # the city admin, anywhere
    ("qt_phucxa", "00004", 403),     # a neighbouring ward
    ("qt_badinh", "00037", 403),     # a ward of another district
    ("vp_phucxa", "00001", 403),     # staff manage no endpoint
    ("xem_badinh", "00001", 403),    # nor do viewers
    ("lanhdao", "00001", 403),
])
def test_create_follows_the_access_matrix(tree, client, username, unit, status):
    response = client.post("/api/v1/endpoints", json=new_endpoint(unit),
                           headers=bearer(client, username))
    assert response.status_code == status
    created = endpoints_named("Điểm cầu hội trường tầng 2")
    if status == 201:
        body = response.get_json()
        assert body | {"id": 0} == {
            "id": 0, "unit": unit, "name": "Điểm cầu hội trường tầng 2", "host": "127.0.3.4",
            "port": 5060, "protocol": "h323", "wan_connected": True,
            "wan_connected_on": "2019-03-01", "vc_deployed": True, "vc_deployed_on": "2019-06-15",
            "state": "unknown", "last_checked": None}
        assert [e.id for e in created] == [body["id"]]
        entry = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "endpoint.create")).one()
        assert entry.object_id == str(body["id"]) and entry.changes["host"] == "127.0.3.4"
    else:
        assert created == [] and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("change, field", [
    ({"name": ""}, "name"),
    ({"port": "năm nghìn"}, "port"),
    ({"port": 70000}, "port"),
    ({"protocol": "skype"}, "protocol"),
    ({"host": "10.0.0.1; rm -rf /"}, "host"),
    ({"wan_connected_on": "01/03/2019"}, "wan_connected_on"),
    ({"unit": "99999"}, "unit"),
    ({"colour": "đỏ"}, "colour"),
])
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(tree, client, change, field):
    response = client.post("/api/v1/endpoints", json=new_endpoint(**change),
                           headers=bearer(client, "qt_phucxa"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]
    assert endpoints_named("Điểm cầu hội trường tầng 2") == []


def test_every_malformed_field_is_named_in_one_answer(tree, client):
    """The body is read by its schema, which reports every field at fault together, each with
    its message in the user's language, and the document states the same shape."""
    response = client.post("/api/v1/endpoints", headers=bearer(client, "qt_phucxa"),
                           json=new_endpoint(name=5, port="năm nghìn", wan_connected_on="01/03/2019",
                                             colour="đỏ"))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"] == {
        "name": "Phải là chuỗi ký tự.", "port": "Cổng phải là số nguyên từ 1 đến 65535.",
        "wan_connected_on": "Ngày phải theo dạng YYYY-MM-DD.", "colour": "Không được hỗ trợ."}
    assert endpoints_named("Điểm cầu hội trường tầng 2") == []
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/api/v1/endpoints"]["post"]["requestBody"]["content"]
    schema = document["components"]["schemas"][body["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["port"] == {"type": "integer", "nullable": True,
                                            "minimum": 1, "maximum": 65535}


def test_patch_changes_only_the_fields_given_and_is_audited(tree, client):
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    endpoint.state = "reachable"
    db.session.commit()
    headers = bearer(client, "qt_phucxa")
    response = client.patch(f"/api/v1/endpoints/{endpoint.id}", headers=headers,
                            json={"host": "127.0.7.7", "vc_deployed_on": None})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["host"], body["port"], body["name"]) == ("127.0.7.7", 5060, endpoint.name)
    assert (body["vc_deployed"], body["state"]) == (False, "unknown")  # a new address is unprobed
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "endpoint.update")).one()
    assert entry.changes["host"] == ["127.0.0.2", "127.0.7.7"]
    assert entry.changes["vc_deployed_on"][1] is None and "name" not in entry.changes


@pytest.mark.parametrize("username, target, body, status", [
    ("qt_phucxa", "00037", {"name": "Lạ"}, 403),        # another district's endpoint
    ("vp_badinh", "00001", {"name": "Lạ"}, 403),        # staff
    ("qt_phucxa", "00001", {"unit": "00037"}, 403),     # moving it out of one's subtree
    ("qt_badinh", "00001", {"unit": "00004"}, 200),     # moving it within
    ("qt_phucxa", "00001", {"port": 0}, 422),
])
def test_patch_follows_the_access_matrix(tree, client, create_endpoint, username, target, body,
                                         status):
    create_endpoint(tree.hang_bac)
    db.session.commit()
    unit = {"00001": tree.phuc_xa, "00037": tree.hang_bac}[target]
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == unit.id)).one()
    before = (endpoint.name, endpoint.unit_id, endpoint.port)
    response = client.patch(f"/api/v1/endpoints/{endpoint.id}", json=body,
                            headers=bearer(client, username))
    assert response.status_code == status
    db.session.rollback()
    after = db.session.get(Endpoint, endpoint.id)
    if status == 200:
        assert after.unit.code == body["unit"]
    else:
        assert (after.name, after.unit_id, after.port) == before


def test_patch_of_an_unknown_endpoint_is_a_404(tree, client):
    response = client.patch("/api/v1/endpoints/99999", json={"name": "x"},
                            headers=bearer(client, "admin"))
    assert response.status_code == 404


@pytest.mark.parametrize("url", [
    "/api/v1/endpoints/1/history?start=9999-12-31", "/api/v1/endpoints/1/history?end=9999-12-31",
    "/api/v1/endpoints/1/history?start=0001-01-01&end=0001-01-02",
    "/api/v1/endpoints/1/history?start=2026-01-01T00:00:00",  # no time zone
    "/api/v1/endpoints/1/history?start=2020-01-01&end=2026-01-01",  # too long
    "/endpoints/1?start=9999-12-31", "/endpoints/1?start=abc",
    "/reports/coverage?since=9999-12-31", "/reports/coverage?since=0001-01-01",
])
def test_out_of_range_periods_are_a_clear_422(tree, client, url):
    response = client.get(url, headers=bearer(client, "admin"))
    assert response.status_code == 422


@pytest.mark.parametrize("body", [None, [], {"unit": 5}, {"unit": "00001", "name": ["x"]},
                                  {"unit": "00001", "name": "x", "port": True},
                                  {"unit": "00001", "name": "x", "host": "a" * 300},
                                  {"unit": "00001", "name": "x", "wan_connected_on": 5},
                                  {"unit": "00001", "name": "x", "protocol": None}])
def test_malformed_bodies_are_a_422_for_create_and_change(tree, client, body):
    headers = bearer(client, "admin")
    assert client.post("/api/v1/endpoints", json=body, headers=headers).status_code == 422
    assert client.patch("/api/v1/endpoints/1", json=body, headers=headers).status_code == 422
