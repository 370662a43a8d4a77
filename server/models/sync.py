"""The change feed the sync pull reads, the cursors pulls hand out, and push receipts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, BigSerial, utcnow


class SyncChange(Base):
    """A row of a synced table changed (`upsert`) or went away (`delete`).

    `seq` orders changes; `txid` (PostgreSQL's transaction id) lets a pull deliver a change that
    a slow transaction committed after a faster one with a later `seq`. Who cares about a change
    is worked out at pull time from the collector's scope (server/sync/scope.py), so a note carries
    no scope of its own and writers stay cheap.
    """

    __tablename__ = "sync_changes"
    __table_args__ = (
        Index("ix_sync_changes_txid", "txid"),
        Index("ix_sync_changes_table_row", "table_name", "row_id"),
    )

    seq: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    txid: Mapped[int | None] = mapped_column(BigInteger)
    table_name: Mapped[str] = mapped_column(String(48))
    row_id: Mapped[str] = mapped_column(String(ID_LEN))
    op: Mapped[str] = mapped_column(String(8), default="upsert")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A deleted row can no longer be scoped at pull time: for rows only one collector's devices
    # held (route stops) the deletion names that collector, and only they hear of it.
    collector_id: Mapped[str | None] = mapped_column(String(ID_LEN))


class SyncCursor(Base):
    """What a pull's `timestamp` stands for: the database snapshot the pull read.

    PostgreSQL: the snapshot's xmax and in-progress txids (xip); a change is "after" the cursor
    when its txid is >= xmax or in xip. SQLite: `position` is the highest feed seq seen.
    A first sync cut by `limit` also keeps where it stopped (`page_rank`, `page_after_id`).
    """

    __tablename__ = "sync_cursors"

    id: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(BigInteger)
    xip: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    page_rank: Mapped[int | None]
    page_after_id: Mapped[str | None] = mapped_column(String(ID_LEN))


class FactEffect(Base):
    """Facts a push applied whose derived effects are still to be worked out.

    Compliance flags and address evidence are judged after the push commits (server/sync/
    deferred.py), so a device's facts are accepted at insert speed and a failing check can
    never make a push fail. One row per push; the row goes when its effects are stored.
    """

    __tablename__ = "sync_fact_effects"

    id: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    facts: Mapped[dict]  # {table: [fact ids]}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class PushReceipt(Base):
    """The answer given to a push sent with an Idempotency-Key, replayed for a repeat."""

    __tablename__ = "sync_push_receipts"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
