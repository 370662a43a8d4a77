"""Errors of the sync protocol, as domain errors (no HTTP here)."""

from __future__ import annotations

from server.errors import InvalidInput


class SchemaTooOld(InvalidInput):
    """The app's local schema is older than the oldest the server still syncs with."""


class UnknownCursor(InvalidInput):
    """`last_pulled_at` is not a timestamp this server handed out."""
