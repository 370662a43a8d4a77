"""Pull cursors: the `timestamp` a pull returns names the database snapshot it read.

PostgreSQL: transaction ids (txid) are handed out when a transaction starts writing, but
commits happen in any order, so "the highest change number seen" would skip a change that a
slow transaction commits late. The cursor instead keeps the pull's snapshot (xmax and the
txids still in progress, xip): a change is new to the device when its txid is >= xmax or was
in progress. SQLite serialises writers, so the highest feed `seq` is exact there.

The number sent to the device is the id of a `sync_cursors` row: strictly increasing,
JS-safe, and it also remembers when the pull ran and where a paginated first sync stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    and_,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from server.db.bulk import array_literal, text_array
from server.models import SyncChange, SyncCursor
from server.sync.errors import UnknownCursor
from server.sync.settings import JS_SAFE_MAX


@dataclass(frozen=True)
class Snapshot:
    position: int  # PostgreSQL: snapshot xmax; SQLite: highest feed seq
    xip: tuple[int, ...] = ()


def capture(session: Session) -> Snapshot:
    """The snapshot a pull reads from; call it before reading any synced row."""
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(text(
            "SELECT pg_snapshot_xmax(s)::text::bigint,"
            " ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x)"
            " FROM pg_current_snapshot() AS s")).one()
        return Snapshot(row[0], tuple(sorted(row[1])))
    return Snapshot(session.scalar(select(func.coalesce(func.max(SyncChange.seq), 0))))


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def changed_after(session: Session, snap: Snapshot) -> ColumnElement[bool]:
    """Feed rows that the snapshot did not see."""
    if is_postgres(session):
        newer = SyncChange.txid >= snap.position
        return or_(newer, SyncChange.txid.in_(snap.xip)) if snap.xip else newer
    return SyncChange.seq > snap.position


def changed_ids(session: Session, snap: Snapshot, table: str, after=None):
    """Ids of `table` rows upserted after the snapshot (a subquery); `after` replaces the
    snapshot's condition (`changed_after_params`, for a statement built once)."""
    return select(SyncChange.row_id).where(and_(
        SyncChange.table_name == table, SyncChange.op == "upsert",
        changed_after(session, snap) if after is None else after))


def changed_after_params(position: str, xip: str) -> ColumnElement[bool]:
    """`changed_after` on PostgreSQL with the snapshot as named parameters: `position` an
    integer, `xip` a bigint[] literal (`snapshot_params`)."""
    return or_(SyncChange.txid >= bindparam(position, type_=BigInteger),
               SyncChange.txid == func.any(text_array(key=xip, element=BigInteger)))


def snapshot_params(snap: Snapshot, position: str, xip: str) -> dict:
    """The values of `changed_after_params`' parameters for a snapshot."""
    return {position: snap.position, xip: array_literal(snap.xip)}


def save(session: Session, snap: Snapshot, now: datetime, user_id: str | None = None,
         page: tuple[int, str | None] | None = None) -> int:
    """Store a cursor and return its number (the `timestamp` a device keeps)."""
    row = SyncCursor(position=snap.position, xip=list(snap.xip), created_at=now,
                     user_id=user_id if page else None,
                     page_rank=page[0] if page else None,
                     page_after_id=page[1] if page else None)
    session.add(row)
    session.flush()
    if row.id > JS_SAFE_MAX:  # pragma: no cover (2^53 pulls)
        raise OverflowError("sync cursor beyond 2^53")
    return row.id


_LOAD = select(SyncCursor.__table__).where(
    SyncCursor.__table__.c.id == bindparam("cursor_id", type_=BigInteger))


def load(session: Session, number: int) -> Row:
    """The cursor a device sent back (its `sync_cursors` row), or UnknownCursor."""
    # A Core row (its columns as attributes), not an ORM object: every pull reads one, and the
    # identity map's bookkeeping cost more than the read.
    row = (session.execute(_LOAD, {"cursor_id": number}).first()
           if issuable(number) else None)
    if row is None:
        raise unknown()
    return row


def issuable(number: int) -> bool:
    """Issued cursors are row ids below 2^53; a larger number can't be one (nor fit a column)."""
    return 0 <= number <= JS_SAFE_MAX


def unknown() -> UnknownCursor:
    return UnknownCursor(
        "last_pulled_at is not a timestamp this server issued; reset the local database "
        "and sync from scratch", {"last_pulled_at": ["unknown cursor"]})


def newer_than_row(cursors) -> ColumnElement[bool]:
    """PostgreSQL: the feed holds a change the snapshot of the `sync_cursors` row `cursors`
    (a correlated table) did not see. The newest txid (one step down the txid index) against
    its xmax, then an index probe per in-progress txid: `txid >= position` with the position
    a correlated value would be planned without knowing it, as a scan of the whole feed."""
    newest = select(func.coalesce(func.max(SyncChange.txid), -1)).scalar_subquery()
    xip = func.jsonb_array_elements_text(cursors.c.xip).table_valued("value").alias("xip")
    in_progress = exists(select(1).select_from(xip).where(exists().where(
        SyncChange.txid == cast(xip.c.value, BigInteger))))
    return or_(newest >= cursors.c.position, in_progress)


def snapshot_of(row: Row | SyncCursor) -> Snapshot:
    return Snapshot(row.position, tuple(row.xip or ()))
