"""The temporary tables an ingest of postings works in (this transaction only)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from server.models import Account, PostingKind
from server.models.base import UTCDateTime

_meta = MetaData()  # one batch of postings
_totals_meta = MetaData()  # money moves, for the whole ingest
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
# Each batch's money moves, one row per account and batch; no key and no index (appending is
# all a batch does), summed per account once, by the one UPDATE of the accounts at the end.
moves = Table(
    "tmp_posting_moves", _totals_meta, Column("account_id", String(64)),
    Column("delta", Numeric(14, 2)), Column("last_paid_at", UTCDateTime),
    Column("restore_due_since", Date), **_TEMP)
# The moves summed per account, once, for the one UPDATE of the accounts (`total_moves`).
totals = Table(
    "tmp_posting_totals", _totals_meta, Column("account_id", String(64)),
    Column("delta", Numeric(14, 2)), Column("last_paid_at", UTCDateTime),
    Column("restore_due_since", Date), **_TEMP)
COLUMNS = [c.name for c in batch.c]
_LOOKED_UP = ("account_id", "due_since")
_SET_HERE = ("line", "original_id", "outcome")  # not shipped: NULL, NULL, new
# The batch as read from the file: `fill_and_match` copies it here, then into `batch` joined
# with the accounts (the account lookup is one join in the database, not a round trip).
raw = Table("tmp_postings_raw", _meta,
            *(Column(c.name, c.type) for c in batch.c
              if c.name not in _LOOKED_UP + _SET_HERE), **_TEMP)
RAW_COLUMNS = [c.name for c in raw.c]


def ordered_ids(count: int) -> list[str]:
    """Fresh ids that sort in the order made (UUID version 7 hex, RFC 9562: the time in ms,
    then a counter from a random start in the 74 bits left): a batch's postings go to the
    right-hand end of the primary key's index, not to a random page each (a million uuid4
    keys touch every page of an index bigger than the shared buffers, and each page's first
    change after a checkpoint writes it whole to the WAL)."""
    head = f"{time.time_ns() // 1_000_000 & 0xFFFFFFFFFFFF:012x}7"
    start = int.from_bytes(os.urandom(8), "big") >> 3  # 61 random bits, room to count
    variant = 2 << 62
    low = (1 << 62) - 1
    return [f"{head}{n >> 62:03x}{variant | n & low:016x}" for n in range(start, start + count)]


def create(session: Session, totals: bool = False) -> None:
    """Create the batch's (or the whole ingest's money moves') temporary table; dropped by
    `drop`, or by a rollback."""
    (_totals_meta if totals else _meta).create_all(session.connection(), checkfirst=False)


def drop(session: Session, totals: bool = False) -> None:
    (_totals_meta if totals else _meta).drop_all(session.connection(), checkfirst=False)


def fill(session: Session, records: list[tuple]) -> None:
    """Load tuples in COLUMNS order: COPY on PostgreSQL, executemany on SQLite."""
    _load(session, batch, COLUMNS, records)
    _analyze(session, batch)


def fill_and_match(session: Session, lender_id: str, records: list[tuple]) -> None:
    """Load tuples in RAW_COLUMNS order and stage them with their account: a payment's
    (lender's account id, currency) found among the lender's accounts gives account_id and
    due_since; not found (or a reversal): both NULL (a reversal takes its payment's)."""
    _load(session, raw, RAW_COLUMNS, records)
    _analyze(session, raw)
    r = raw.c
    a = Account.__table__.alias("a")
    found = and_(r.kind == PostingKind.PAYMENT, a.c.lender_id == lender_id,
                 a.c.external_id == r.account_ref, a.c.currency == r.currency)
    source = (select(*r, literal(None, Integer()), literal(None, String()), literal(NEW),
                     a.c.id, a.c.due_since).select_from(raw).outerjoin(a, found))
    session.execute(insert(batch).from_select([*RAW_COLUMNS, *_SET_HERE, *_LOOKED_UP],
                                              source))
    _analyze(session, batch)


def total_moves(session: Session) -> None:
    """Sum the money moves per account into `totals` (one aggregation for the whole ingest)."""
    m = moves.c
    source = select(m.account_id, func.sum(m.delta), func.max(m.last_paid_at),
                    func.min(m.restore_due_since)).group_by(m.account_id)
    stmt = insert(totals).from_select(
        ["account_id", "delta", "last_paid_at", "restore_due_since"], source)
    if session.connection().dialect.name == "postgresql":
        # A million moves over 250,000 accounts: a hash of ~40 MB, not 4 MB batches on disk.
        with _setting(session, "work_mem", "64MB"):
            session.execute(stmt)
    else:
        session.execute(stmt)
    _analyze(session, totals)


def _load(session: Session, table: Table, columns: list[str], records: list[tuple]) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in records])
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)


def _analyze(session: Session, table: Table) -> None:
    """Statistics for the planner (autovacuum never sees temporary tables), from a sample of
    3,000 rows instead of 30,000: a batch's ANALYZE cost ~0.25 s at the default target."""
    if session.connection().dialect.name != "postgresql":
        return
    with _setting(session, "default_statistics_target", "10"):
        session.connection().exec_driver_sql(f"ANALYZE {table.name}")


@contextmanager
def _setting(session: Session, name: str, value: str) -> Iterator[None]:
    """A PostgreSQL setting for the statements inside only (then as it was, in this
    transaction): set_config(…, is_local), the previous value put back."""
    connection = session.connection()
    previous = connection.exec_driver_sql(
        "SELECT current_setting(%s), set_config(%s, %s, true)", (name, name, value)).scalar()
    try:
        yield
    finally:
        connection.exec_driver_sql("SELECT set_config(%s, %s, true)", (name, previous))
