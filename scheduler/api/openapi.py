"""GET /api/v1/openapi.json: the OpenAPI 3.0 description of every /api/v1 route.

The list of paths and methods comes from the application's own URL map, so a route added by
any domain is documented (at least generically) the moment it exists; the schemas and the
descriptions of the routes integrators rely on are written by hand below.
"""
import re

from flask import current_app, jsonify

from . import bp
from .openapi_schemas import OPERATIONS, SCHEMAS

PREFIX = "/api/v1"
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_ERRORS = {"401": "Chưa đăng nhập", "403": "Không có quyền", "404": "Không tìm thấy",
           "422": "Dữ liệu không hợp lệ"}


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    parameters = []

    def replace(match):
        kind = "integer" if match["converter"] == "int" else "string"
        parameters.append({"name": match["name"], "in": "path", "required": True,
                           "schema": {"type": kind}})
        return "{" + match["name"] + "}"

    return _ARGUMENT.sub(replace, rule), parameters


def _error_responses() -> dict:
    return {code: {"description": text, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/" + ("ValidationError" if code == "422" else "Error")}}}}
            for code, text in _ERRORS.items()}


def _operation(method: str, path: str, rule, path_parameters) -> dict:
    view = current_app.view_functions.get(rule.endpoint)
    doc = (view.__doc__ or "").strip().splitlines() if view else []
    written = OPERATIONS.get((method, path), {})
    operation = {
        "operationId": f"{method.lower()}_{rule.endpoint.replace('.', '_')}",
        "summary": written.get("summary") or (doc[0] if doc else rule.endpoint),
        "tags": [path[len(PREFIX):].strip("/").split("/")[0] or "api"],
        "parameters": path_parameters + written.get("parameters", []),
        "responses": {**_error_responses(), **written.get("responses", {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}})},
    }
    if "requestBody" in written:
        operation["requestBody"] = written["requestBody"]
    elif method in ("POST", "PATCH", "PUT"):
        operation["requestBody"] = {"required": False, "content": {"application/json": {
            "schema": {"type": "object"}}}}
    if written.get("public"):
        operation["security"] = []
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def build_document() -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path, parameters = _openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(method, path, rule, parameters)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Lịch họp trực tuyến API", "version": "1.0.0",
                 "description": "Đặt lịch họp trực tuyến và họp không giấy tờ cho các đơn vị. "
                                "Thời gian theo ISO 8601 có múi giờ (+07:00)."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": SCHEMAS,
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.0 description of this API."""
    return jsonify(build_document())
