"""Schemas of the sync endpoints (pull, push) and the helpers that read their odd inputs."""

from __future__ import annotations

import json
import zlib

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from server.errors import InvalidInput, TooLarge
from server.sync.settings import MAX_PULL_LIMIT

_FIRST_SYNC = ("", "null", "undefined", "0")


def parse_last_pulled_at(raw) -> int | None:
    """WatermelonDB sends null (as 'null' in a URL) on the first sync."""
    if raw is None or str(raw).strip() in _FIRST_SYNC:
        return None
    text = str(raw).strip()
    if not text.lstrip("-").isascii():  # int() would read other scripts' digits too
        raise ValidationError("an integer timestamp from a previous pull, or empty")
    try:
        value = int(text)
    except ValueError as exc:
        raise ValidationError("an integer timestamp from a previous pull, or empty") from exc
    if value < 0:
        raise ValidationError("must not be negative")
    return value


class PullQuerySchema(Schema):
    last_pulled_at = fields.String(load_default=None)
    schema_version = fields.Integer(required=True)
    migration = fields.String(load_default=None)
    limit = fields.Integer(load_default=None, validate=validate.Range(1, MAX_PULL_LIMIT))

    @validates("last_pulled_at")
    def _cursor(self, value, **_):
        parse_last_pulled_at(value)

    @post_load
    def _convert(self, data, **_):
        data["last_pulled_at"] = parse_last_pulled_at(data.get("last_pulled_at"))
        data["migration"] = _migration(data.get("migration"))
        return data


def _migration(raw):
    if raw is None or raw.strip() in ("", "null"):
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValidationError("migration must be JSON", "migration") from exc
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("tables", []), list) or \
            not isinstance(value.get("columns", []), list):
        raise ValidationError("expected {from, tables: [], columns: [{table, columns}]}",
                              "migration")
    return value


class PullResponseSchema(Schema):
    changes = fields.Raw(metadata={"description": "{table: {created, updated, deleted}}"})
    timestamp = fields.Integer()
    has_more = fields.Boolean()


class PushQuerySchema(Schema):
    last_pulled_at = fields.String(load_default=None)

    @post_load
    def _convert(self, data, **_):
        data["last_pulled_at"] = parse_last_pulled_at(data.get("last_pulled_at"))
        return data


class PushResponseSchema(Schema):
    experimentalRejectedIds = fields.Dict(keys=fields.String(),
                                          values=fields.List(fields.String()))
    applied = fields.Dict(keys=fields.String(), values=fields.Integer())
    warnings = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "request headers that were ignored and why (a bad X-Device-Time)"})


def read_json_body(data: bytes, content_encoding: str | None, max_bytes: int):
    """The request body as JSON, gunzipped when sent with Content-Encoding: gzip."""
    encoding = (content_encoding or "").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(data, max_bytes + 1)
        except zlib.error as exc:
            raise InvalidInput("the body is not valid gzip", {"body": [str(exc)]}) from exc
        if len(data) > max_bytes or inflater.unconsumed_tail:
            raise TooLarge(f"the decompressed body exceeds {max_bytes} bytes")
    elif encoding not in ("", "identity"):
        raise InvalidInput(f"unsupported Content-Encoding {encoding!r}; use gzip or none",
                           {"Content-Encoding": ["gzip or identity"]})
    if len(data) > max_bytes:
        raise TooLarge(f"the body exceeds {max_bytes} bytes")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise InvalidInput("the request body is not valid JSON", {"body": [str(exc)]}) from exc


def push_body_changes(body) -> tuple[dict, int | None]:
    """`changes` and the body's `lastPulledAt` (WatermelonDB may put it there)."""
    if not isinstance(body, dict) or not isinstance(body.get("changes"), dict):
        raise InvalidInput("expected {\"changes\": {table: {created, updated, deleted}}}",
                           {"changes": ["required object"]})
    raw = body.get("lastPulledAt", body.get("last_pulled_at"))
    try:
        return body["changes"], parse_last_pulled_at(raw)
    except ValidationError as exc:
        raise InvalidInput("bad lastPulledAt", {"lastPulledAt": exc.messages}) from exc
