"""Team planning in the background: a queued run, progress while it plans, failure, pickup."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import server.routing.service as service
from server.extensions import db
from server.models import PlanningRun, RoutePlan, utcnow
from server.routing.background import queue_planning, run_planning, sweep_planning
from tests.integration.routing.day import BUDGET, DAY, near, team_day, visit


def _queued(session, collectors=3):
    t = team_day(session, collectors=collectors)
    for i, collector in enumerate(t.collectors):
        visit(session, t, [collector], at=near(400 * i, 300))
    run = queue_planning(session, DAY, None, t.team.code, None, t.dispatcher.id)
    ids = t.team.id, run.id
    session.commit()  # and nothing read through this session while the run plans (SQLite)
    return ids


def _read(run_id):
    """The run as another request would see it, on a connection of its own."""
    with db.engine.connect() as connection:
        return connection.execute(select(PlanningRun.status, PlanningRun.vehicles_done,
                                         PlanningRun.vehicles_total)
                                  .where(PlanningRun.id == run_id)).one()


def test_progress_of_a_running_plan_can_be_read_while_it_plans(session, monkeypatch):
    _, run_id = _queued(session)
    seen = []
    solve = service.solve_vehicle

    def solve_and_look(*args, **kwargs):
        seen.append(tuple(_read(run_id)))
        solve(*args, **kwargs)

    monkeypatch.setattr(service, "solve_vehicle", solve_and_look)

    status = run_planning(sessionmaker(bind=db.engine), run_id, budget=BUDGET)

    assert status == "completed"
    assert seen == [("running", 0, None), ("running", 1, 3), ("running", 2, 3)]
    assert tuple(_read(run_id)) == ("completed", 3, 3)
    assert len(session.scalars(select(RoutePlan)).all()) == 3


def test_a_run_that_fails_is_marked_failed_and_writes_no_plan(session, monkeypatch):
    _, run_id = _queued(session, collectors=2)

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(service, "solve_vehicle", broken)

    assert run_planning(sessionmaker(bind=db.engine), run_id, budget=BUDGET) == "failed"
    assert run_planning(sessionmaker(bind=db.engine), run_id, budget=BUDGET) is None  # once
    session.expire_all()
    run = session.get(PlanningRun, run_id)
    assert run.status == "failed" and "solver exploded" in run.report["error"]["message"]
    assert session.scalars(select(RoutePlan)).all() == []


def test_a_run_does_not_overwrite_a_plan_stored_while_it_solved(session, monkeypatch):
    team_id, run_id = _queued(session, collectors=1)
    solve = service.solve_vehicle

    def replanned_meanwhile(*args, **kwargs):
        solve(*args, **kwargs)
        monkeypatch.setattr(service, "solve_vehicle", solve)
        with sessionmaker(bind=db.engine)() as other:  # a re-plan after a reassignment
            service.plan_routes(other, DAY, team_id=team_id, budget=BUDGET)
            other.commit()

    monkeypatch.setattr(service, "solve_vehicle", replanned_meanwhile)

    assert run_planning(sessionmaker(bind=db.engine), run_id, budget=BUDGET) == "failed"
    session.expire_all()
    assert "plan the day again" in session.get(PlanningRun, run_id).report["error"]["message"]


def test_the_job_runs_a_run_nobody_started_and_fails_one_that_went_silent(session):
    _, waiting = _queued(session, collectors=1)
    stale = PlanningRun(plan_date=DAY, collectors=[], status="running", report={},
                        heartbeat_at=utcnow() - timedelta(hours=1))
    session.add(stale)
    session.flush()
    stale_id = stale.id
    session.commit()

    counts = sweep_planning(session, utcnow() + timedelta(minutes=2))

    assert counts == {"interrupted": 1, "ran": 1}
    session.expire_all()
    assert session.get(PlanningRun, waiting).status == "completed"
    assert session.get(PlanningRun, stale_id).status == "failed"
