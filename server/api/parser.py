"""The request parser behind every `@blp.arguments`: no string the API accepts may hold NUL.

PostgreSQL text cannot store NUL, so a NUL anywhere in a query string, form or JSON body (a
value or a key, at any depth) is refused here as a 422 naming where it was, before any schema
or database sees it. One check for every field, instead of one validator per schema. (The sync
push and attachment bodies are read raw; the sync protocol quarantines NUL per record.)
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import ValidationError
from webargs.core import missing
from webargs.flaskparser import FlaskParser

NUL = "\x00"
MESSAGE = "must not contain NUL"


def nul_errors(data: Any) -> dict | list | None:
    """Where `data` holds a NUL, in the shape of marshmallow's errors; None when nowhere."""
    if isinstance(data, str):
        return [MESSAGE] if NUL in data else None
    if isinstance(data, list):
        found = {i: e for i, item in enumerate(data) if (e := nul_errors(item))}
        return found or None
    if isinstance(data, dict):
        found = {}
        for key, value in data.items():
            if isinstance(key, str) and NUL in key:
                found["_schema"] = ["a key " + MESSAGE]
            elif (error := nul_errors(value)) is not None:
                found[key] = error
        return found or None
    return None


def _plain(data: Any) -> Any:
    """A query string or form (a MultiDict behind webargs' proxy) as {key: [values]}."""
    raw = getattr(data, "data", data)
    if hasattr(raw, "to_dict"):
        return raw.to_dict(flat=False)
    return raw


class RequestParser(FlaskParser):
    """webargs' Flask parser, refusing NUL in what it loads (query, form, JSON)."""

    def _load_location_data(self, *, schema, req, location):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if data is not missing and location in {"query", "querystring", "form", "json",
                                                "json_or_form"}:
            errors = nul_errors(_plain(data))
            if errors:
                raise ValidationError(errors)
        return data


def install() -> None:
    """Make flask-smorest's shared parser (bound by every @blp.arguments at import) refuse NUL."""
    if not isinstance(Blueprint.ARGUMENTS_PARSER, RequestParser):
        Blueprint.ARGUMENTS_PARSER.__class__ = RequestParser
