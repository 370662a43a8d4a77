"""Reading console query strings and forms: typed values, or InvalidInput naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from marshmallow import Schema, ValidationError

from server.errors import InvalidInput


def day(args: Mapping[str, str], name: str, default: date) -> date:
    """An ISO date parameter, or `default` when absent."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} is not a date", {name: ["use YYYY-MM-DD"]}) from None


def choice(args: Mapping[str, str], name: str, allowed) -> str | None:
    """One of `allowed`, or None when absent or blank."""
    raw = (args.get(name) or "").strip()
    if raw and raw not in allowed:
        raise InvalidInput(f"{name} is not one of the choices", {name: list(allowed)})
    return raw or None


def loaded(schema: Schema, args: Mapping[str, str]) -> dict:
    """The API's schema applied to a query string (blank fields dropped)."""
    try:
        return schema.load({k: v for k, v in args.items() if v.strip()})
    except ValidationError as exc:
        raise InvalidInput("some search fields are not valid", exc.messages) from None


def overrides(form: Mapping[str, str]) -> dict[str, str]:
    """`override:RULE` fields with a reason: the rules the dispatcher overrode, and why."""
    return {key.removeprefix("override:"): value.strip() for key, value in form.items()
            if key.startswith("override:") and value.strip()}


def version(form: Mapping[str, str]) -> int:
    """The version of the record the form was made from."""
    raw = form.get("version", "")
    if not raw.isdigit():
        raise InvalidInput("the form lacks the version it was made from",
                           {"version": ["required"]})
    return int(raw)
