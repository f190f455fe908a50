"""GET /api/v1/openapi.json: the OpenAPI 3.0 document flask-smorest builds from the routes'
schemas (api/schemas.py), with what every route shares added here: the error answers, the
sign-in schemes and an operationId per endpoint."""
import re

from flask import current_app, jsonify

from . import bp

_ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")
PUBLIC = {"api.create_token", "api.openapi_document"}
ERRORS = {"401": "Chưa đăng nhập", "403": "Không có quyền", "404": "Không tìm thấy",
          "422": "Dữ liệu không hợp lệ"}


def _endpoints() -> dict[tuple[str, str], str]:
    """(method, OpenAPI path) -> endpoint of every route under /api/v1."""
    found = {}
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith(bp.url_prefix + "/"):
            path = _ARGUMENT.sub(r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found[(method.lower(), path)] = rule.endpoint
    return found


def _undeclared(paths: dict, endpoints: dict) -> None:
    """A route under /api/v1 that is not on the blueprint (so declares no schema) still
    appears, so that the document never omits one; tests/test_openapi.py refuses it."""
    for (method, path), endpoint in endpoints.items():
        if method not in paths.get(path, {}):
            names = _ARGUMENT.findall(next(r.rule for r in current_app.url_map.iter_rules()
                                           if r.endpoint == endpoint))
            paths.setdefault(path, {})[method] = {"summary": endpoint, "responses": {}, "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in names]}


def build_document() -> dict:
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    document = api.spec.to_dict()
    endpoints = _endpoints()
    _undeclared(document["paths"], endpoints)
    for path, item in document["paths"].items():
        shared = item.pop("parameters", [])  # the path's own, into each operation
        for method, operation in item.items():
            operation["parameters"] = shared + operation.get("parameters", [])
            if not operation["parameters"]:
                del operation["parameters"]
            endpoint = endpoints[(method, path)]
            operation["operationId"] = f"{method}_{endpoint.replace('.', '_')}"
            for code, text in ERRORS.items():  # @bp.arguments' own 422 names no content
                name = "ValidationError" if code == "422" else "Error"
                if "content" not in operation["responses"].get(code, {}):
                    operation["responses"][code] = {"description": text, "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
            if endpoint in PUBLIC:
                operation["security"] = []
    document["info"]["description"] = ("Đặt lịch họp trực tuyến và họp không giấy tờ cho các "
                                       "đơn vị. Thời gian theo ISO 8601 có múi giờ (+07:00).")
    document["servers"] = [{"url": "/"}]
    document["security"] = [{"bearerAuth": []}, {"cookieAuth": []}]
    document["components"]["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer"},
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"}}
    return document


@bp.get("/openapi.json")
@bp.doc(responses={"200": {"description": "This document", "content": {
    "application/json": {"schema": {"type": "object"}}}}})
def openapi_document():
    """This document"""
    return jsonify(build_document())
