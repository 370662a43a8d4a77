"""The push request body for the OpenAPI spec, built from the sync table registry.

The view reads the body itself (it may be gzipped), so flask-smorest cannot describe it; this
does, table by table and column by column, so a schemathesis run generates real pushes.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, Float, Integer, Numeric

from server.models.base import ID_PATTERN, UTCDateTime
from server.sync.tables import COMPUTED_COLUMNS, SYNC_TABLES


def _column(column) -> dict:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        out = {"type": "integer", "description": "epoch milliseconds"}
    elif isinstance(kind, Boolean):
        out = {"type": "boolean"}
    elif isinstance(kind, Integer):
        out = {"type": "integer"}
    elif isinstance(kind, Numeric) and not isinstance(kind, Float):
        out = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "description": "decimal"}
    elif isinstance(kind, Float):
        out = {"type": "number"}
    elif isinstance(kind, Date):
        out = {"type": "string", "format": "date"}
    elif isinstance(kind, JSON):
        out = {}
    else:
        out = {"type": "string"}
    if column.nullable and out:
        out["nullable"] = True
    return out


def _row(spec) -> dict:
    columns = {column.name: _column(column) for column in spec.table.c}
    columns["id"] = {"type": "string", "pattern": ID_PATTERN}
    for name in COMPUTED_COLUMNS.get(spec.name, ()):
        columns.setdefault(name, {})
    columns.update(_status={"type": "string"}, _changed={"type": "string"})
    return {"type": "object", "required": ["id"], "properties": columns}


def push_request_body() -> dict:
    """{changes: {table: {created: [row], updated: [row], deleted: [id]}}, last_pulled_at?}."""
    tables = {
        name: {"type": "object", "additionalProperties": False, "properties": {
            "created": {"type": "array", "items": _row(spec)},
            "updated": {"type": "array", "items": _row(spec)},
            "deleted": {"type": "array", "items": {"type": "string"}}}}
        for name, spec in SYNC_TABLES.items()}
    body = {"type": "object", "required": ["changes"], "properties": {
        "changes": {"type": "object", "additionalProperties": False, "properties": tables},
        "last_pulled_at": {"type": "integer", "nullable": True},
        "lastPulledAt": {"type": "integer", "nullable": True}}}
    return {"required": True, "description": "the device's changes (gzip allowed: send "
            "Content-Encoding: gzip)", "content": {"application/json": {"schema": body}}}
