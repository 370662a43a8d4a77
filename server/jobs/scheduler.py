"""The scheduler process: APScheduler on the database job store, started only by the leader.

Every `flask jobs run` process competes for the lease (server/jobs/leases.py) every
`renew_every` seconds. The holder starts a BackgroundScheduler whose jobs live in the
`apscheduler_jobs` table; a process that loses the lease shuts its scheduler down, and each job
run checks the lease again first (fencing), so a paused ex-leader can't act beside the new one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from server.jobs.leases import Lease
from server.jobs.registry import JOBS, JobSettings, JobSpec
from server.jobs.runs import run_job
from server.messaging.reminder_links import ReminderLinks
from server.observability.metrics import JobMetrics

log = logging.getLogger("doorstep.scheduler")
_SERVICES: dict[str, SchedulerService] = {}  # holder -> service, for `fire` to find its own


def default_holder() -> str:
    """A holder name unique per process: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def fire(holder: str, name: str) -> None:
    """What the job store calls (by reference, so it pickles): run `name` if still leader."""
    service = _SERVICES.get(holder)
    if service is None:
        log.warning("job %s fired for holder %s, which is not in this process", name, holder)
        return
    service.run_fenced(name)


class SchedulerService:
    """Leader election loop + the APScheduler instance the leader runs."""

    def __init__(self, app, holder: str | None = None, jobs: Mapping[str, JobSpec] = JOBS,
                 ttl: timedelta | None = None, renew_every: float | None = None):
        from server.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.app, self.jobs = app, dict(jobs)
        self.holder = holder or app.config.get("SCHEDULER_HOLDER") or default_holder()
        self.timezone = ZoneInfo(app.config["SCHEDULER_TIMEZONE"])
        self.settings = JobSettings(app.config["SCHEDULER_TIMEZONE"],
                                    app.config.get("STALE_VISIT_DAYS", 2),
                                    app.config.get("AUDIT_ANCHOR_FILE", ""),
                                    reminder_links=ReminderLinks.from_config(app.config))
        self.sessions: Callable[[], Session] = sessionmaker(bind=self.engine)
        ttl = ttl or timedelta(seconds=app.config.get("SCHEDULER_LEASE_TTL_S", 30))
        self.lease = Lease(self.sessions, self.holder, ttl=ttl)
        self.renew_every = renew_every or ttl.total_seconds() / 3
        self.scheduler: BackgroundScheduler | None = None
        self.stopping = threading.Event()
        self.metrics = JobMetrics()  # its own registry: served by `flask jobs run`, if asked
        app.extensions["doorstep.job_registry"] = self.metrics.registry  # jobs add theirs

    def step(self) -> bool:
        """One election round: take/renew the lease, start or stop the scheduler to match."""
        try:
            leader = self.lease.acquire()
        except Exception:  # the database is away: act as a follower until it is back
            log.exception("lease renewal failed")
            leader = False
        if leader and self.scheduler is None:
            log.info("%s is the scheduler leader", self.holder)
            self.scheduler = self._start_scheduler()
        elif not leader and self.scheduler is not None:
            log.warning("%s lost the scheduler lease", self.holder)
            self._stop_scheduler(wait=False)
        self.metrics.leader.set(1 if leader else 0)
        return leader

    def run(self) -> None:
        """Run until `stop()`: elect every `renew_every` seconds, then shut down gracefully."""
        _SERVICES[self.holder] = self
        try:
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(self.renew_every)
        finally:
            self._stop_scheduler(wait=True)
            self.lease.release()
            self.metrics.leader.set(0)
            _SERVICES.pop(self.holder, None)

    def stop(self) -> None:
        """Ask `run()` to finish (SIGTERM handler, tests)."""
        self.stopping.set()

    def run_fenced(self, name: str) -> None:
        """Run one job if this process still holds the lease."""
        if not self.lease.holds():
            log.warning("%s skipped job %s: not the leader", self.holder, name)
            return
        with self.app.app_context():
            run_job(self.sessions, name, self.jobs[name].work(self.settings), self.holder,
                    metrics=self.metrics)

    def _start_scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine,
                                                     tablename="apscheduler_jobs")},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.timezone,
        )
        scheduler.start(paused=True)
        stored = {job.id: job for job in scheduler.get_jobs()}
        for job_id in set(stored) - set(self.jobs):
            scheduler.remove_job(job_id)
        for spec in self.jobs.values():
            self._schedule(scheduler, spec, stored.get(spec.name))
        scheduler.resume()
        return scheduler

    def _schedule(self, scheduler: BackgroundScheduler, spec: JobSpec, stored) -> None:
        # Keep a stored job's next run time when its trigger is unchanged: a run missed while
        # no leader was up then fires late (within the misfire grace) instead of being lost.
        options = {}
        trigger_class = IntervalTrigger if spec.trigger == "interval" else CronTrigger
        trigger = trigger_class(**spec.trigger_args, timezone=self.timezone)
        if stored is not None and str(stored.trigger) == str(trigger):
            options["next_run_time"] = stored.next_run_time
        scheduler.add_job(fire, trigger, args=[self.holder, spec.name], id=spec.name,
                          name=spec.name, replace_existing=True, coalesce=True,
                          max_instances=1, misfire_grace_time=spec.misfire_grace_s, **options)

    def _stop_scheduler(self, wait: bool) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None
