"""The temporary tables an ingest of postings works in (this transaction only)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, MetaData, Numeric, String, Table, insert
from sqlalchemy.orm import Session

from server.models.base import UTCDateTime

_meta = MetaData()  # one batch of postings
_totals_meta = MetaData()  # per account, for the whole ingest
_TEMP = {"prefixes": ["TEMPORARY"]}
NEW, REPLAY, CONFLICT, ERROR = "new", "replay", "conflict", "error"

batch = Table(
    "tmp_postings", _meta, Column("id", String(64), primary_key=True),
    Column("line", Integer), Column("txn_id", String(64)), Column("kind", String(16)),
    Column("account_ref", String(64)), Column("amount", Numeric(14, 2)),
    Column("currency", String(3)), Column("paid_at", UTCDateTime), Column("channel", String(16)),
    Column("receipt_no", String(64)), Column("reverses_txn_id", String(64)),
    Column("reason", String(16)), Column("digest", String(64)), Column("original_id", String(64)),
    Column("outcome", String(16)), Column("account_id", String(64)), Column("due_since", Date),
    **_TEMP)
accounts = Table(
    "tmp_posting_accounts", _totals_meta, Column("account_id", String(64), primary_key=True),
    Column("delta", Numeric(14, 2)), Column("last_paid_at", UTCDateTime),
    Column("restore_due_since", Date), **_TEMP)
COLUMNS = [c.name for c in batch.c]


def create(session: Session, totals: bool = False) -> None:
    """Create the batch's (or the per-account totals') temporary table; dropped again by
    `drop`, or by a rollback."""
    (_totals_meta if totals else _meta).create_all(session.connection(), checkfirst=False)


def drop(session: Session, totals: bool = False) -> None:
    (_totals_meta if totals else _meta).drop_all(session.connection(), checkfirst=False)


def fill(session: Session, records: list[tuple]) -> None:
    """Load tuples in COLUMNS order: COPY on PostgreSQL, executemany on SQLite."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(batch), [dict(zip(COLUMNS, r, strict=True)) for r in records])
        return
    cursor = connection.connection.driver_connection.cursor()
    listed = ", ".join(COLUMNS)
    with cursor.copy(f"COPY tmp_postings ({listed}) FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)
    cursor.execute("ANALYZE tmp_postings")
