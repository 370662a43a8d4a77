"""Rows a device sent that could not be applied, kept with the reason for a person to fix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, id_column, utcnow


class QuarantineStatus:
    OPEN = "open"
    REPLAYED = "replayed"
    DISMISSED = "dismissed"
    ALL = (OPEN, REPLAYED, DISMISSED)


class QuarantinedRecord(Base):
    """Never dropped: the raw row, why it failed, and what a dispatcher decided."""

    __tablename__ = "quarantine"
    __table_args__ = (
        Index("ix_quarantine_status_received", "status", "received_at"),
        Index("ix_quarantine_table_row", "table_name", "row_id"),
    )

    id: Mapped[str] = id_column()
    table_name: Mapped[str] = mapped_column(String(48))
    row_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    operation: Mapped[str] = mapped_column(String(8), default="created")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    reason: Mapped[str] = mapped_column(String(64))
    errors: Mapped[dict] = mapped_column(default=dict)
    payload: Mapped[dict]
    payload_digest: Mapped[str | None] = mapped_column(String(64))  # same row sent again: kept once
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=QuarantineStatus.OPEN)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    # A replay's correction: who edited, which columns, the digest of the payload as sent.
    correction: Mapped[dict | None]
