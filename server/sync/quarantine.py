"""Quarantine: rows a device sent that could not be applied, kept for a person to fix.

Never dropped; the same rejected row sent again (a retried push) is kept once. Review
(list, replay, dismiss) lives in server/sync/review.py.
"""

from __future__ import annotations

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from server.db.feed import record_changes, record_deletions
from server.models import QuarantinedRecord, QuarantineStatus, new_id
from server.sync.tables import SYNC_TABLES
from server.sync.validate import valid_id
from server.sync.wire import payload_digest, storable


def stored_id(row_id) -> str:
    """The row id a record is kept under: an id that is no valid id is kept in the payload only."""
    return row_id if isinstance(row_id, str) and valid_id(row_id) else ""


def keep(session: Session, ctx, rejected: list) -> set[tuple[str, str]]:
    """Store rejections (set-based), skipping rows already kept unchanged; returns the
    (table, id) of rows a person already closed (dismissed or replayed): done for the device.

    WatermelonDB pushes a rejected record again on every sync. One already waiting is kept
    once; one a person closed is not kept again and not answered as rejected, and the next
    pull tells the device to drop it (or sends the server's row when that id is a stored
    fact), so the device converges instead of re-pushing it forever.
    """
    if not rejected:
        return set()
    digests = [payload_digest(r.payload) for r in rejected]
    keys = {(r.table, stored_id(r.row_id), d) for r, d in zip(rejected, digests, strict=True)}
    known = _known(session, keys)
    rows, taken, closed = [], set(), set()
    for r, d in zip(rejected, digests, strict=True):
        key = (r.table, stored_id(r.row_id), d)
        status = known.get(key)
        if status is not None and status != QuarantineStatus.OPEN and key[1]:
            closed.add((r.table, key[1]))
            continue
        if status is not None or key in taken:
            continue
        taken.add(key)
        payload = storable(r.payload)
        rows.append({"id": new_id(), "table_name": r.table, "row_id": key[1],
                     "operation": r.operation, "user_id": ctx.who.collector_id,
                     "device_id": ctx.device_id, "reason": r.reason, "errors": r.errors,
                     "payload": payload if isinstance(payload, dict) else {"id": payload},
                     "payload_digest": d, "received_at": ctx.who.now,
                     "status": QuarantineStatus.OPEN})
    if rows:
        session.execute(insert(QuarantinedRecord), rows)
    _tell_done(session, ctx.who.collector_id, closed)
    return closed


def _known(session: Session, keys: set) -> dict[tuple[str, str, str], str]:
    """{(table, row id, digest): status}, open records winning over closed ones."""
    found: dict[tuple[str, str, str], str] = {}
    for table, row_id, digest, status in session.execute(
            select(QuarantinedRecord.table_name, QuarantinedRecord.row_id,
                   QuarantinedRecord.payload_digest, QuarantinedRecord.status)
            .where(tuple_(QuarantinedRecord.table_name, QuarantinedRecord.row_id).in_(
                [(t, rid) for t, rid, _ in keys]))):
        key = (table, row_id, digest)
        if key in keys and found.get(key) != QuarantineStatus.OPEN:
            found[key] = status
    return found


def _tell_done(session: Session, collector_id: str, closed: set[tuple[str, str]]) -> None:
    """Closed rows leave the collector's devices on their next pull (a stored fact is resent)."""
    by_table: dict[str, list[str]] = {}
    for table, row_id in closed:
        by_table.setdefault(table, []).append(row_id)
    for table, row_ids in by_table.items():
        spec = SYNC_TABLES[table]
        stored = set(session.scalars(select(spec.table.c.id).where(
            spec.table.c.id.in_(row_ids))))
        record_changes(session, table, sorted(stored))
        record_deletions(session, table, [(i, collector_id) for i in sorted(set(row_ids) - stored)])
