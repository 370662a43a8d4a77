"""Reads of a debtor's personal data by a person go into the audit trail (PIPL: who saw what)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from server.audit import service as audit

# Tables of a pull that carry a debtor's personal data.
PERSONAL_TABLES = ("parties", "contact_points", "addresses", "cases", "visits")


def record_read(session: Session, actor_id: str, object_type: str, object_id: str) -> None:
    """One object shown to a person; written when the caller commits."""
    audit.record(session, actor_id, f"{object_type}.read", object_type, object_id)


def record_pull(session: Session, collector_id: str, device_id: str | None, changes: dict) -> None:
    """One event per pull that sent personal data, with how many rows of each table."""
    sent = {name: len(changes[name]["created"]) + len(changes[name]["updated"])
            for name in PERSONAL_TABLES if name in changes}
    if any(sent.values()):
        audit.record(session, collector_id, "sync.pull", "device", device_id, {"sent": sent})


def record_list(session: Session, actor_id: str, object_type: str, ids: Iterable[str],
                filters: Mapping[str, Any] | None = None, **related: list[str]) -> None:
    """One event per list answer that showed personal data, naming the ids on the page (and
    `related` ids it showed through them, e.g. the visits of a route's stops), not one event
    per row. Written when the caller commits; an empty page or a refused request records
    nothing.
    """
    shown = list(ids)
    if not shown:
        return
    detail: dict[str, Any] = {"ids": shown, "count": len(shown), **related}
    if filters:
        detail["filters"] = {k: v if isinstance(v, int | bool) else str(v)
                             for k, v in sorted(filters.items()) if v is not None}
    audit.record(session, actor_id, f"{object_type}.list", object_type, None, detail)


def keep_after_commit(session: Session, rows: Iterable[object]) -> None:
    """Detach rows that are serialised after the commit recording their read.

    Committing expires every object in the session, and serialising a page of expired rows
    would reload them one query per row; detached rows keep what the page query loaded.
    """
    session.flush()
    for row in rows:
        if row in session:
            session.expunge(row)
