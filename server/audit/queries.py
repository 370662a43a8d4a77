"""Read-side queries over the audit trail."""

from __future__ import annotations

from sqlalchemy import Select, select

from server.models import AuditEvent


def audit_events(filters: dict) -> Select:
    """Events matching the filters, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    for name in ("actor_id", "action", "object_type", "object_id"):
        if filters.get(name):
            stmt = stmt.where(getattr(AuditEvent, name) == filters[name])
    if filters.get("since"):
        stmt = stmt.where(AuditEvent.occurred_at >= filters["since"])
    if filters.get("until"):
        stmt = stmt.where(AuditEvent.occurred_at < filters["until"])
    return stmt
