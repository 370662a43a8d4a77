"""A record of every case import: who, when, which file, what happened to each row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, id_column, utcnow


class ImportRun(Base):
    """One import of a lender file; the report lists every rejected row with its errors."""

    __tablename__ = "import_runs"

    id: Mapped[str] = id_column()
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    lender_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    filename: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(8))  # csv, json
    encoding: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    total_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0, server_default="0")
    dry_run: Mapped[bool] = mapped_column(default=False, server_default=false())
    report: Mapped[dict] = mapped_column(default=dict)
    # Progress of a background import (queued -> running -> completed / rejected / failed):
    # rows read so far of the rows the file holds, and when the running import last said so.
    rows_done: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_expected: Mapped[int | None]
    heartbeat_at: Mapped[datetime | None]


class ImportUpload(Base):
    """The file of a background import, kept until the import has run (then deleted)."""

    __tablename__ = "import_uploads"

    run_id: Mapped[str] = mapped_column(ForeignKey("import_runs.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    lender_code: Mapped[str | None] = mapped_column(String(32))
    file_format: Mapped[str | None] = mapped_column(String(8))  # as asked: csv, json or None


class ImportChange(Base):
    """What one import did to one account of a case: created or changed it, balance before
    and after (the case timeline's import entries)."""

    __tablename__ = "import_changes"
    __table_args__ = (Index("ix_import_changes_case_at", "case_id", "recorded_at"),)

    id: Mapped[str] = id_column()
    # No foreign key: a run's row is written in the import's final statement, after these.
    run_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    outcome: Mapped[str] = mapped_column(String(8))  # created, updated
    outstanding_before: Mapped[Decimal | None]
    outstanding_after: Mapped[Decimal | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
