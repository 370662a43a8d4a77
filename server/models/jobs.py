"""Scheduler state: the leader lease, a record of every job run, and APScheduler's job store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, Index, LargeBinary, String, Table, Text, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column, utcnow


class SchedulerLease(Base):
    """Who may run scheduled jobs now: one row per lease name, taken over once it expires."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class JobRunStatus:
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ALL = (RUNNING, SUCCEEDED, FAILED)


class JobRun(Base):
    """One run of a scheduled job: when, by whom, how it ended, and what it counted."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_name_started", "name", "started_at"),)

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(64))
    holder: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=JobRunStatus.RUNNING)
    counts: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


# APScheduler's SQLAlchemyJobStore table, declared here (same columns as APScheduler 3 builds)
# so that the migration creates it and the schema check knows it; the job store's own
# `create(checkfirst=True)` then finds it and does nothing.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
