"""``/api/openapi.json``: the OpenAPI 3.1 document, generated from the route registry.

Schemas come from the pydantic models that ``server.api.route`` validates with,
so the document cannot drift from what the API accepts.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app
from pydantic import BaseModel

from server.api import MAX_ROW_ID, ROUTES, RouteDoc, route

bp = Blueprint("openapi", __name__)

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """Convert a Flask rule (``/x/<int:id>``) to an OpenAPI path and its parameters."""
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
        else:
            schema = {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def schema_ref(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict:
    """Add ``model`` (and its nested models) to components; return a $ref to it."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def query_parameters(model: type[BaseModel]) -> list[dict]:
    """Each field of a query model as an OpenAPI query parameter."""
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def operation(doc: RouteDoc, path_params: list[dict], components: dict) -> dict:
    """The OpenAPI operation object of one route."""
    op: dict[str, Any] = {
        "operationId": doc.endpoint.replace(".", "_"),
        "summary": doc.summary,
        "tags": doc.tags,
        "parameters": list(path_params),
        "responses": {},
    }
    if doc.query is not None:
        op["parameters"] += query_parameters(doc.query)
    if doc.body is not None:
        # A body whose every field is optional may be left out: the route reads it as {}.
        required = bool(doc.body.model_json_schema(mode="validation").get("required"))
        op["requestBody"] = {
            "required": required,
            "content": {
                "application/json": {"schema": schema_ref(doc.body, components, "validation")}
            },
        }
    if doc.raw_body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {doc.raw_body: {"schema": {"type": "string"}}},
        }
    ok: dict[str, Any] = {"description": "Success"}
    if doc.response is not None:
        ok["content"] = {
            "application/json": {"schema": schema_ref(doc.response, components, "serialization")}
        }
    op["responses"][str(doc.status)] = ok
    op["responses"]["4XX"] = {
        "description": "A problem with the request",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if not doc.auth:
        op["security"] = []
    if doc.csrf and set(doc.methods) & {"POST", "PUT", "PATCH", "DELETE"}:
        op["parameters"].append(
            {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
        )
    return op


def build_document(app: Flask) -> dict:
    """The whole OpenAPI document for every documented ``/api`` route of ``app``."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = ROUTES.get(rule.endpoint)
        if doc is None:
            continue
        path, params = openapi_path(rule.rule)
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation(doc, params, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tend API",
            "version": app.config.get("TEND_VERSION", "0.1.0"),
            "description": "Check-ins and habit reminders for people who carry others' trauma.",
        },
        "servers": [{"url": app.config["TEND_PUBLIC_URL"]}],
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tend_session"}
            },
        },
        "security": [{"session": []}],
        "paths": paths,
    }


@route(bp, "/api/openapi.json", auth=False, summary="This OpenAPI document")
def openapi_json():
    """Serve the OpenAPI document."""
    return build_document(current_app)
