"""Running one job: a job_runs row per run (started, finished, status, counts, error)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.models import JobRun, JobRunStatus, utcnow
from server.observability.metrics import JobMetrics
from server.unit_of_work import use_case

log = logging.getLogger("doorstep.jobs")


def run_job(session_factory: Callable[[], Session], name: str,
            work: Callable[[Session, datetime], dict], holder: str | None = None,
            now: datetime | None = None, metrics: JobMetrics | None = None) -> JobRun:
    """Run `work` in its own unit of work and record how it went; failures are recorded too."""
    started = time.perf_counter()
    with use_case(session_factory) as session:
        run = JobRun(name=name, holder=holder, started_at=utcnow())
        session.add(run)
        session.flush()
        run_id = run.id
    counts: dict = {}
    status, error = JobRunStatus.SUCCEEDED, None
    try:
        with use_case(session_factory) as session:
            counts = work(session, now or utcnow())
    except Exception as exc:  # a failed run is recorded and the scheduler carries on
        status, error = JobRunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        log.exception("job %s failed", name)
    with use_case(session_factory) as session:
        run = session.get(JobRun, run_id)
        run.finished_at, run.status, run.counts, run.error = utcnow(), status, counts, error
        session.flush()
        session.refresh(run)
        session.expunge(run)  # handed back loaded: the commit does not expire it
    log.info("job %s %s %s", name, status, counts)
    if metrics is not None:
        metrics.observe_run(name, status == JobRunStatus.SUCCEEDED, time.perf_counter() - started)
    return run


def recent_runs(name: str | None = None) -> Select:
    """Job runs, newest first."""
    stmt = select(JobRun).order_by(JobRun.started_at.desc())
    return stmt.where(JobRun.name == name) if name else stmt
