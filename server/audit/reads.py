"""Reads of a debtor's personal data by a person go into the audit trail (PIPL: who saw what)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.audit import service as audit

# Tables of a pull that carry a debtor's personal data.
PERSONAL_TABLES = ("parties", "contact_points", "addresses", "cases", "visits")


def record_read(session: Session, actor_id: str, object_type: str, object_id: str) -> None:
    """One object shown to a person; written when the caller commits."""
    audit.record(session, actor_id, f"{object_type}.read", object_type, object_id)


def record_pull(session: Session, agent_id: str, device_id: str | None, changes: dict) -> None:
    """One event per pull that sent personal data, with how many rows of each table."""
    sent = {name: len(changes[name]["created"]) + len(changes[name]["updated"])
            for name in PERSONAL_TABLES if name in changes}
    if any(sent.values()):
        audit.record(session, agent_id, "sync.pull", "device", device_id, {"sent": sent})
