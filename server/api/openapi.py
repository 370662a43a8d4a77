"""What the OpenAPI document says beyond each view's own schemas, the same for every operation.

An apispec plugin: error responses in the one error shape (404 where the path names an object,
409 where a write can conflict, 422 where input is parsed; 401/403 come from the `roles`
decorator), an example on every request body and response (generated from the schema, field
`example`s first), and form fields sent beside a file described inside the multipart body
(OpenAPI 3 has no `in: formData`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import BasePlugin

ERROR_EXAMPLES = {
    401: "authentication required",
    403: "this action needs one of the roles: dispatcher, admin",
    404: "no visit 'v-404'",
    409: "the visit changed since version 3; reload and retry",
    422: "the request has invalid fields; see errors",
    500: "internal error; it has been logged",
}
_METHODS = ("get", "put", "post", "patch", "delete")
_WRITES = ("put", "patch", "post", "delete")
# POSTs that can clash with what is stored: a taken name, a day that changed meanwhile, a
# replayed fact, or an action on an object already closed (`/{id}/review` twice).
CONFLICTING_POSTS = ("/api/v1/users", "/api/v1/compliance/profiles", "/api/v1/visits/auto-assign",
                     "/api/v1/sync/push")
CONFLICTING_ACTIONS = ("review", "complete", "cancel", "visit", "replay", "dismiss")
_SAMPLE_STRINGS = {"date-time": "2026-12-01T09:30:00+08:00", "date": "2026-12-01",
                   "decimal": "500.00", "email": "debtor@example.com", "binary": "(file)",
                   "uri": "https://example.com/x", "uuid": "3f0c9a52-8d7e-4b1a-9a43-1c2d3e4f5a6b"}

# Demo-like values for common field names, so generated examples read like real requests.
_NAMED = {"username": "wang.xiuqin", "password": "doorstep-demo", "device_id": "phone-ding-1",
          "team": "PD1", "collector": "ding.lingling", "lat": 31.2304, "lng": 121.4737,
          "currency": "CNY", "note": "called the debtor: home after 18:00",
          "reason": "lender policy 2026-12", "resolution": "debtor will pay Friday",
          "purpose": "first visit", "display_name": "王秀芹", "token": "dst_3q…",
          "jurisdiction": "CN", "code": "LENDER-POLICY", "message": "text of the answer"}


def error_example(status: int) -> dict:
    body = {"code": status, "status": HTTPStatus(status).phrase,
            "message": ERROR_EXAMPLES.get(status, HTTPStatus(status).phrase)}
    if status == 422:
        body["errors"] = {"scheduled_on": ["Not a valid date."]}
    return body


class OpenAPIExtras(BasePlugin):
    """Error responses, examples and multipart form fields for every operation."""

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        self.spec = spec

    def response_helper(self, response: dict, **kwargs: Any) -> dict | None:
        """Error components (flask-smorest's, one per status) carry an example of the shape."""
        status = next((s for s in HTTPStatus if s.phrase == response.get("description")),
                      HTTPStatus.INTERNAL_SERVER_ERROR)  # DEFAULT_ERROR: anything unforeseen
        media = response.get("content", {}).get("application/json")
        if status >= 400 and media is not None:
            media.setdefault("example", error_example(status))
        return response

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method not in _METHODS:
                continue
            _form_fields_into_body(operation)
            responses = operation.setdefault("responses", {})
            if "{" in (path or ""):
                responses.setdefault("404", HTTPStatus.NOT_FOUND.name)
            if method in ("put", "patch") or (method == "post" and _may_conflict(path or "")):
                responses.setdefault("409", HTTPStatus.CONFLICT.name)
            if method in _WRITES and "requestBody" in operation:
                responses.setdefault("422", HTTPStatus.UNPROCESSABLE_ENTITY.name)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                self._exemplify(media)
            for response in responses.values():
                if isinstance(response, dict):
                    for media in response.get("content", {}).values():
                        self._exemplify(media)

    def _exemplify(self, media: dict) -> None:
        if "example" not in media and "examples" not in media and "schema" in media:
            media["example"] = self.example(media["schema"])

    def example(self, schema: dict | str, depth: int = 0) -> Any:
        """A value that fits `schema` (a JSON schema or a component name)."""
        schema = self._resolve(schema)
        if "example" in schema:
            return schema["example"]
        if schema.get("enum"):
            return schema["enum"][0]
        if schema.get("allOf"):
            parts = [self.example(part, depth) for part in schema["allOf"]]
            if all(isinstance(part, dict) for part in parts):
                return {k: v for part in parts for k, v in part.items()}
            return parts[0]
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self.example(schema[key][0], depth)
        kind = schema.get("type")
        kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
        if kind == "array":
            return [] if depth > 4 else [self.example(schema.get("items", {}), depth + 1)]
        if kind == "object" or "properties" in schema:
            if depth > 4:
                return {}
            return {name: self._property(name, sub, depth)
                    for name, sub in schema.get("properties", {}).items()}
        return _scalar(kind, schema)

    def _property(self, name: str, schema: dict, depth: int) -> Any:
        resolved = self._resolve(schema)
        if name in _NAMED and not {"example", "enum", "$ref"} & set(schema) and (
                isinstance(_NAMED[name], str) == ("string" in str(resolved.get("type")))):
            return _NAMED[name]
        if resolved.get("type") in ("string", ["string", "null"]) and not (
                {"format", "example", "enum"} & set(resolved)):
            if name == "id" or name.endswith("_id"):
                return f"{name.removesuffix('_id') or 'id'}-1"
            if name.endswith("_ids"):
                return [f"{name.removesuffix('_ids')}-1"]
        return self.example(schema, depth + 1)

    def _resolve(self, schema: dict | str) -> dict:
        if isinstance(schema, str):
            schema = {"$ref": f"#/components/schemas/{schema}"}
        ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
        if ref.startswith("#/components/schemas/"):
            return self.spec.components.schemas.get(ref.rsplit("/", 1)[1], {})
        return schema if isinstance(schema, dict) else {}


def _may_conflict(path: str) -> bool:
    """A POST listed in CONFLICTING_POSTS, or one of CONFLICTING_ACTIONS on one object."""
    parts = path.rstrip("/").split("/")
    return path in CONFLICTING_POSTS or (parts[-2].startswith("{")
                                         and parts[-1] in CONFLICTING_ACTIONS)


def _scalar(kind: str | None, schema: dict) -> Any:
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1.5, schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "string":
        minimum = schema.get("minLength", 0)
        return _SAMPLE_STRINGS.get(schema.get("format", ""), "text".ljust(minimum, "x"))
    return None


def _form_fields_into_body(operation: dict) -> None:
    """Move `in: formData` parameters (form fields beside a file) into the multipart body."""
    form = [p for p in operation.get("parameters", []) if p.get("in") == "formData"]
    if not form:
        return
    operation["parameters"] = [p for p in operation["parameters"] if p not in form]
    if not operation["parameters"]:
        del operation["parameters"]
    content = operation.setdefault("requestBody", {}).setdefault("content", {})
    media = content.setdefault("multipart/form-data", {})
    files = media.get("schema", {})
    media["schema"] = {"allOf": [files, {"type": "object", "properties": {
        p["name"]: {**p.get("schema", {}), **({"description": p["description"]}
                                               if "description" in p else {})}
        for p in form}}]} if files else {"type": "object", "properties": {
            p["name"]: p.get("schema", {}) for p in form}}
