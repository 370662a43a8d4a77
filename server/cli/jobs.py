"""`flask jobs …`: run the scheduler process, run one job now, list the jobs."""

from __future__ import annotations

import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from prometheus_client import start_http_server
from sqlalchemy import select

from server.extensions import db
from server.jobs.messaging import banner
from server.jobs.registry import JOBS, JobSettings
from server.jobs.runs import recent_runs, run_job
from server.jobs.scheduler import SchedulerService, default_holder
from server.messaging.reminder_links import ReminderLinks
from server.models import JobRunStatus, apscheduler_jobs
from server.unit_of_work import own_sessions

jobs_cli = AppGroup("jobs", help="Scheduled jobs (APScheduler).")


@jobs_cli.command("run")
def run_command():
    """Run the scheduler in the foreground until SIGTERM/SIGINT (one leader across processes)."""
    service = SchedulerService(current_app._get_current_object())

    def stop(signum, _frame):
        click.echo(f"signal {signum}: finishing running jobs, releasing the lease")
        service.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    exporter = _serve_metrics(service, current_app.config)
    click.echo(f"scheduler {service.holder} started; waiting for the lease")
    click.echo(banner(current_app.config))
    try:
        service.run()
    finally:
        if exporter is not None:
            exporter.shutdown()
    click.echo("scheduler stopped")


def _serve_metrics(service: SchedulerService, config):
    """Serve the scheduler's metrics on SCHEDULER_METRICS_PORT (off when 0)."""
    port = config.get("SCHEDULER_METRICS_PORT") or 0
    if not port:
        return None
    server, _thread = start_http_server(port, config.get("SCHEDULER_METRICS_HOST", "127.0.0.1"),
                                        registry=service.metrics.registry)
    click.echo(f"scheduler metrics on port {port}")
    return server


@jobs_cli.command("run-once")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_once_command(name):
    """Run one job now, outside the schedule (jobs are idempotent, so this is always safe)."""
    config = current_app.config
    settings = JobSettings(config["SCHEDULER_TIMEZONE"], config.get("STALE_VISIT_DAYS", 2),
                           config.get("AUDIT_ANCHOR_FILE", ""),
                           reminder_links=ReminderLinks.from_config(config))
    run = run_job(own_sessions(), name, JOBS[name].work(settings),
                  f"cli:{default_holder()}")
    click.echo(f"{name}: {run.status} {run.counts}")
    if run.status != JobRunStatus.SUCCEEDED:
        click.echo(run.error, err=True)
        sys.exit(1)


@jobs_cli.command("list")
def list_command():
    """List the jobs with their schedule, next run (from the job store) and last run."""
    next_runs = dict(db.session.execute(
        select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all())
    for name, spec in JOBS.items():
        last = db.session.scalar(recent_runs(name).limit(1))
        args = ", ".join(f"{k}={v}" for k, v in spec.trigger_args.items())
        when = "never" if last is None else f"{last.status} at {last.started_at:%Y-%m-%d %H:%M}Z"
        upcoming = next_runs.get(name)
        upcoming = "not scheduled yet" if upcoming is None else f"next at {upcoming:.0f} (epoch)"
        click.echo(f"{name:16} {spec.trigger}({args}) grace={spec.misfire_grace_s}s "
                   f"last: {when}; {upcoming} - {spec.description}")
