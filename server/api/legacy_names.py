"""The names requests used before "collector" was the one word (docs/decisions.md).

Requests may still say `agent`, `agent_id`, `agent_ids` or `agents` (query string or JSON body
keys, at any depth) and the role value "agent": the API reads them as the new names. Responses
only use the new names. The sync protocol has no alias (nothing was deployed). This is the one
module of server/ allowed to spell the old word (tests/unit/core/test_one_word.py).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from webargs.core import missing
from werkzeug.datastructures import MultiDict

from server.api.parser import RequestParser

OLD_KEYS = {"agent": "collector", "agent_id": "collector_id", "agent_ids": "collector_ids",
            "agents": "collectors"}
ROLE_KEYS = frozenset({"role", "roles"})
OLD_ROLE, NEW_ROLE = "agent", "collector"
NO_ALIAS = ("/api/v1/sync/",)  # the device protocol speaks only the new names


def renamed_key(key: str) -> str:
    return OLD_KEYS.get(key, key)


def renamed_value(key: str, value: Any) -> Any:
    """The role value "agent" under a role key (alone or in a list) reads as "collector"."""
    if key not in ROLE_KEYS:
        return value
    if isinstance(value, list):
        return [NEW_ROLE if v == OLD_ROLE else v for v in value]
    return NEW_ROLE if value == OLD_ROLE else value


def renamed(data: Any) -> Any:
    """A JSON body with the old names read as the new ones; a new name given too wins."""
    if isinstance(data, list):
        return [renamed(item) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict = {}
    for key, value in data.items():
        new = renamed_key(key) if isinstance(key, str) else key
        if new != key and new in data:
            continue
        out[new] = renamed_value(new, renamed(value))
    return out


def renamed_args(args: MultiDict) -> MultiDict:
    """A query string with the old names read as the new ones (`?agent_id=` -> `collector_id`)."""
    out = MultiDict()
    for key, value in args.items(multi=True):
        new = renamed_key(key)
        if new != key and new in args:
            continue
        out.add(new, renamed_value(new, value))
    return out


class LegacyNamesParser(RequestParser):
    """The request parser (NUL refused), reading the deprecated names as the new ones."""

    def load_querystring(self, req, schema):
        if req.path.startswith(NO_ALIAS):
            return super().load_querystring(req, schema)
        return self._makeproxy(renamed_args(req.args), schema)

    def _raw_load_json(self, req):
        data = super()._raw_load_json(req)
        if data is missing or req.path.startswith(NO_ALIAS):
            return data
        return renamed(data)


def install() -> None:
    """Make flask-smorest's shared parser (bound by every @blp.arguments) read the aliases."""
    Blueprint.ARGUMENTS_PARSER.__class__ = LegacyNamesParser
