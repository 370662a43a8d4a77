"""Exactly one scheduler acts at a time; when it stops, another takes over."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.jobs.leases import Lease
from server.jobs.registry import JobSpec
from server.jobs.scheduler import SchedulerService
from server.models import JobRun, SchedulerLease

PROBE = {"probe": JobSpec("probe", lambda session, now, cfg: {"ok": 1}, "interval",
                          {"seconds": 1}, 5)}


def _start(app, holder):
    service = SchedulerService(app, holder=holder, jobs=PROBE, ttl=timedelta(seconds=2),
                               renew_every=0.3)
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    return service, thread


def _runs(app):
    with app.app_context():
        db.session.remove()
        return db.session.execute(select(JobRun.holder, JobRun.started_at, JobRun.finished_at)
                                  .order_by(JobRun.started_at)).all()


def test_two_schedulers_at_once_elect_one_leader_and_the_other_takes_over(app):
    first, first_thread = _start(app, "node-a")
    time.sleep(0.5)
    second, second_thread = _start(app, "node-b")
    time.sleep(3.5)

    together = _runs(app)
    first.stop()
    first_thread.join(10)
    time.sleep(3.5)
    second.stop()
    second_thread.join(10)
    after = _runs(app)[len(together):]

    assert len(together) >= 2 and {r.holder for r in together} == {"node-a"}
    assert len(after) >= 1 and {r.holder for r in after} <= {"node-a", "node-b"}
    assert "node-b" in {r.holder for r in after}
    last_a = max(r.finished_at for r in _runs(app) if r.holder == "node-a")
    first_b = min(r.started_at for r in after if r.holder == "node-b")
    assert last_a <= first_b  # never both at once


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(app):
    with app.app_context():
        from sqlalchemy.orm import sessionmaker

        sessions = sessionmaker(bind=db.engine)
        clock = {"now": __import__("server.models", fromlist=["utcnow"]).utcnow()}
        a = Lease(sessions, "a", ttl=timedelta(seconds=30), clock=lambda: clock["now"])
        b = Lease(sessions, "b", ttl=timedelta(seconds=30), clock=lambda: clock["now"])
        assert a.acquire() and not b.acquire()
        clock["now"] += timedelta(seconds=20)
        assert a.acquire() and not b.acquire()  # renewed: still a's for 30 s from now
        clock["now"] += timedelta(seconds=31)
        assert not a.holds() and b.acquire() and not a.acquire()
        b.release()
        assert a.acquire()
        with sessions() as session:
            assert session.scalar(select(SchedulerLease.holder)) == "a"
