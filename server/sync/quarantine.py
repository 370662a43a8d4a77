"""Quarantine: rows a device sent that could not be applied, kept for a person to fix.

Never dropped; the same rejected row sent again (a retried push) is kept once. Review
(list, replay, dismiss) lives in server/sync/review.py.
"""

from __future__ import annotations

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from server.models import QuarantinedRecord, QuarantineStatus, new_id
from server.sync.validate import valid_id
from server.sync.wire import payload_digest, storable


def stored_id(row_id) -> str:
    """The row id a record is kept under: an id that is no valid id is kept in the payload only."""
    return row_id if isinstance(row_id, str) and valid_id(row_id) else ""


def keep(session: Session, ctx, rejected: list) -> None:
    """Store rejections (set-based), skipping rows already waiting in quarantine unchanged."""
    if not rejected:
        return
    digests = [payload_digest(r.payload) for r in rejected]
    keys = {(r.table, stored_id(r.row_id), d) for r, d in zip(rejected, digests, strict=True)}
    open_ = set(session.execute(
        select(QuarantinedRecord.table_name, QuarantinedRecord.row_id,
               QuarantinedRecord.payload_digest)
        .where(QuarantinedRecord.status == QuarantineStatus.OPEN,
               tuple_(QuarantinedRecord.table_name, QuarantinedRecord.row_id).in_(
                   [(t, rid) for t, rid, _ in keys]))).all())
    rows, taken = [], set()
    for r, d in zip(rejected, digests, strict=True):
        key = (r.table, stored_id(r.row_id), d)
        if key in open_ or key in taken:
            continue
        taken.add(key)
        payload = storable(r.payload)
        rows.append({"id": new_id(), "table_name": r.table, "row_id": key[1],
                     "operation": r.operation, "user_id": ctx.who.agent_id,
                     "device_id": ctx.device_id, "reason": r.reason, "errors": r.errors,
                     "payload": payload if isinstance(payload, dict) else {"id": payload},
                     "payload_digest": d, "received_at": ctx.who.now,
                     "status": QuarantineStatus.OPEN})
    if rows:
        session.execute(insert(QuarantinedRecord), rows)
