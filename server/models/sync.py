"""The change feed the sync pull reads: one row per change that matters to a device."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, BigSerial, utcnow


class SyncChange(Base):
    """A row of a synced table changed (`upsert`) or went away (`delete`).

    `seq` orders changes; `txid` (PostgreSQL's transaction id) lets a pull deliver a change that
    a slow transaction committed after a faster one with a later `seq`. Scope columns say whose
    device cares: every change hangs off a case, or belongs to one agent (their route).
    """

    __tablename__ = "sync_changes"
    __table_args__ = (
        Index("ix_sync_changes_case_seq", "case_id", "seq"),
        Index("ix_sync_changes_agent_seq", "agent_id", "seq"),
        Index("ix_sync_changes_txid", "txid"),
    )

    seq: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    txid: Mapped[int | None] = mapped_column(BigInteger)
    table_name: Mapped[str] = mapped_column(String(48))
    row_id: Mapped[str] = mapped_column(String(ID_LEN))
    op: Mapped[str] = mapped_column(String(8), default="upsert")
    case_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    agent_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
