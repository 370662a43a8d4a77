"""Quarantine review: list, read, replay a fixed row (same path as a push), dismiss."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.access import Caller
from server.audit import service as audit
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import QuarantinedRecord, QuarantineStatus, Role, User
from server.sync.push import PushContext, apply_rows
from server.sync.scope import Who
from server.sync.validate import WATERMELON_COLUMNS, check_shape
from server.sync.wire import payload_digest


def visible(reviewer: Caller, status: str | None = None, table: str | None = None,
            collector_id: str | None = None) -> Select:
    """Quarantined rows a reviewer may see: an admin all, a dispatcher their team's collectors'."""
    stmt = select(QuarantinedRecord).order_by(QuarantinedRecord.received_at.desc(),
                                              QuarantinedRecord.id)
    if reviewer.role != Role.ADMIN:
        stmt = stmt.where(QuarantinedRecord.user_id.in_(
            select(User.id).where(User.team_id == reviewer.team_id)))
    if status:
        stmt = stmt.where(QuarantinedRecord.status == status)
    if table:
        stmt = stmt.where(QuarantinedRecord.table_name == table)
    if collector_id:
        stmt = stmt.where(QuarantinedRecord.user_id == collector_id)
    return stmt


def get(session: Session, reviewer: Caller, record_id: str) -> QuarantinedRecord:
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
        raise Forbidden("this record has no collector to replay it for")
    return record


def dismiss(session: Session, reviewer: Caller, record_id: str, reason: str, now):
    """Close a record without applying it; the reason is kept. Caller commits."""
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", {"reason": ["required"]})
    record = _open(session, reviewer, record_id)
    record.status = QuarantineStatus.DISMISSED
    record.resolved_by, record.resolved_at = reviewer.user_id, now
    record.resolution_note = reason.strip()[:500]
    audit.record(session, reviewer.user_id, "quarantine.dismiss", "quarantine", record.id,
                 {"table": record.table_name, "row_id": record.row_id,
                  "collector_id": record.user_id, "reason": record.resolution_note}, now=now)
    return record


def replay(session: Session, reviewer: Caller, record_id: str, payload: dict, now,
           note: str | None = None):
    """Apply the row as the collector sent it with only the values that made it fail corrected;
    it keeps its id, author, device and device time. Caller commits."""
    record = _open(session, reviewer, record_id)
    changed = corrected_columns(record, payload)
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
    record.correction = {"editor": reviewer.user_id, "changed": changed,
                         "original_digest": payload_digest(record.payload)}
    audit.record(session, reviewer.user_id, "quarantine.replay", "quarantine", record.id,
                 {"table": record.table_name, "row_id": record.row_id,
                  "collector_id": record.user_id, **record.correction}, now=now)
    return record


def corrected_columns(record: QuarantinedRecord, payload: dict) -> list[str]:
    """The columns the fixed row changes; 422 when any of them did not make the row fail
    (a replay corrects a row, it never writes another fact under the collector's name)."""
    original = record.payload if isinstance(record.payload, dict) else {}
    keys = (set(original) | set(payload)) - WATERMELON_COLUMNS
    changed = sorted(k for k in keys if payload.get(k) != original.get(k))
    failing = set(record.errors or {})
    if record.reason != "bad_id":
        failing.discard("id")  # the fact keeps its id
    refused = {k: ["may not change: only the values that made the row fail may"]
               for k in changed if k not in failing}
    if refused:
        raise InvalidInput("a replay may change only the values that made the row fail "
                           f"({', '.join(sorted(failing)) or 'none'})", {"payload": refused})
    return changed
