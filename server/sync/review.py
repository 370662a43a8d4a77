"""Quarantine review: list, read, replay a fixed row (same path as a push), dismiss."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import QuarantinedRecord, QuarantineStatus, Role, User
from server.sync.push import PushContext, apply_rows
from server.sync.scope import Who
from server.sync.validate import check_shape


@dataclass(frozen=True)
class Reviewer:
    user_id: str
    role: str
    team_id: str | None


def visible(reviewer: Reviewer, status: str | None = None, table: str | None = None,
            agent_id: str | None = None) -> Select:
    """Quarantined rows a reviewer may see: an admin all, a dispatcher their team's agents'."""
    stmt = select(QuarantinedRecord).order_by(QuarantinedRecord.received_at.desc(),
                                              QuarantinedRecord.id)
    if reviewer.role != Role.ADMIN:
        stmt = stmt.where(QuarantinedRecord.user_id.in_(
            select(User.id).where(User.team_id == reviewer.team_id)))
    if status:
        stmt = stmt.where(QuarantinedRecord.status == status)
    if table:
        stmt = stmt.where(QuarantinedRecord.table_name == table)
    if agent_id:
        stmt = stmt.where(QuarantinedRecord.user_id == agent_id)
    return stmt


def get(session: Session, reviewer: Reviewer, record_id: str) -> QuarantinedRecord:
    """One record the reviewer may see, or NotFound."""
    record = session.scalar(visible(reviewer).where(QuarantinedRecord.id == record_id))
    if record is None:
        raise NotFound("no such quarantined record")
    return record


def _open(session, reviewer, record_id) -> QuarantinedRecord:
    record = get(session, reviewer, record_id)
    if record.status != QuarantineStatus.OPEN:
        raise Conflict(f"this record is already {record.status}")
    if record.user_id is None:
        raise Forbidden("this record has no agent to replay it for")
    return record


def dismiss(session: Session, reviewer: Reviewer, record_id: str, reason: str, now):
    """Close a record without applying it; the reason is kept. Caller commits."""
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", {"reason": ["required"]})
    record = _open(session, reviewer, record_id)
    record.status = QuarantineStatus.DISMISSED
    record.resolved_by, record.resolved_at = reviewer.user_id, now
    record.resolution_note = reason.strip()[:500]
    return record


def replay(session: Session, reviewer: Reviewer, record_id: str, payload: dict, now,
           note: str | None = None):
    """Apply a fixed row for the agent who sent it, exactly as a push would. Caller commits."""
    record = _open(session, reviewer, record_id)
    operation = "created" if record.operation == "deleted" else record.operation
    changes = {record.table_name: {operation: [payload]}}
    check_shape(changes)
    # The device's clock offset at the original push is unknown here; device time is kept.
    ctx = PushContext(Who(record.user_id, now, now.date()), record.device_id, None)
    outcome = apply_rows(session, ctx, changes)
    if outcome.rejected:
        first = outcome.rejected[0]
        raise InvalidInput(f"the fixed row is still rejected: {first.reason}",
                           {"reason": first.reason, **first.errors})
    record.status = QuarantineStatus.REPLAYED
    record.resolved_by, record.resolved_at = reviewer.user_id, now
    record.resolution_note = (note or "replayed with a fixed row")[:500]
    return record
