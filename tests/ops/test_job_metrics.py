"""Job runs, failures and scheduler leadership are counted in the scheduler process."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import generate_latest
from sqlalchemy.orm import sessionmaker

from server.extensions import db
from server.jobs.registry import JobSpec
from server.jobs.runs import run_job
from server.jobs.scheduler import SchedulerService
from server.observability.metrics import JobMetrics, quarantine_collector
from tests.ops.test_metrics import samples


def _boom(session, now):
    raise RuntimeError("sweep failed")


def test_job_runs_and_failures_are_counted_by_job_name(app_ctx):
    metrics, sessions = JobMetrics(), sessionmaker(bind=db.engine)
    run_job(sessions, "promise_monitor", lambda session, now: {"kept": 0}, metrics=metrics)
    run_job(sessions, "promise_monitor", _boom, metrics=metrics)
    run_job(sessions, "reminders", lambda session, now: {}, metrics=metrics)
    text = generate_latest(metrics.registry).decode()
    assert samples(text, "doorstep_job_runs_total") == {
        (("job", "promise_monitor"),): 2, (("job", "reminders"),): 1}
    assert samples(text, "doorstep_job_failures_total") == {(("job", "promise_monitor"),): 1}
    assert set(samples(text, "doorstep_job_last_success_timestamp_seconds")) == {
        (("job", "promise_monitor"),), (("job", "reminders"),)}


def test_the_leadership_gauge_is_one_only_while_this_process_holds_the_lease(app):
    jobs = {"probe": JobSpec("probe", lambda session, now, cfg: {}, "interval", {"hours": 1}, 5)}
    first = SchedulerService(app, holder="node-a", jobs=jobs, ttl=timedelta(seconds=30))
    second = SchedulerService(app, holder="node-b", jobs=jobs, ttl=timedelta(seconds=30))
    try:
        assert first.step() and not second.step()
        assert first.metrics.leader._value.get() == 1
        assert second.metrics.leader._value.get() == 0
    finally:
        first._stop_scheduler(wait=True)
        first.lease.release()


def test_the_quarantine_count_is_cached_between_scrapes_and_a_failure_is_no_error():
    calls, clock = [], {"now": 0.0}

    def count():
        calls.append(clock["now"])
        if len(calls) == 3:
            raise ConnectionError("database away")
        return {"check_ins": len(calls)}

    collector = quarantine_collector(count, ttl_s=5, clock=lambda: clock["now"])
    values = []
    for now in (0.0, 4.0, 6.0, 12.0):
        clock["now"] = now
        values.append([s.value for family in collector.collect() for s in family.samples])
    assert values == [[1], [1], [2], []]
    assert calls == [0.0, 6.0, 12.0]
