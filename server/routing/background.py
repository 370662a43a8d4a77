"""Team planning in the background: the caller gets a run at once, the run plans after it.

`queue_planning` checks the request (unknown team or collector: 404 now, not later) and
records a `queued` run; `run_planning` claims it (`running`), reads the day in one
transaction, solves it with no transaction open, writing progress (routes solved of routes to
solve, and a heartbeat) on short transactions of its own, so progress writes and readers never
wait, on SQLite either; then stores the plans in the transaction that marks the run
`completed`. If one of the day's plans was stored by someone else meanwhile (a re-plan after a
reassignment), the run fails instead of overwriting the newer plan. The API starts the run
once its 202 has gone out; the `planning` job runs a queued run nobody started and fails a
running one whose heartbeat stopped (no plan was written).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from server.errors import Conflict, NotFound
from server.models import PlanningRun, RoutePlan, Team, utcnow
from server.unit_of_work import (
    SessionFactory,
    checkpoint,
    own_sessions,
    use_case,
    write_aside,
)

from .service import RIDE, VehicleSummary, collectors_to_plan, read_day, solve_day
from .store import store_plans

log = logging.getLogger("doorstep.plans")

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
PICKUP_AFTER = timedelta(minutes=1)
STALE_AFTER = timedelta(minutes=10)


def queue_planning(session: Session, plan_date: date, collector_ids: list[str] | None,
                   team_id: str | None, agency_id: str | None,
                   created_by: str | None, two_person: str = RIDE,
                   tolerance_s: int = 600) -> PlanningRun:
    """Record a queued planning run after checking who it plans; the caller commits."""
    ids = collectors_to_plan(session, collector_ids, team_id, agency_id)
    team = None
    if team_id is not None:
        team = session.scalar(select(Team.id).where((Team.id == team_id) | (Team.code == team_id)))
    now = utcnow()
    run = PlanningRun(created_by=created_by, agency_id=agency_id, plan_date=plan_date,
                      team_id=team, collectors=None if team_id else sorted(ids), status=QUEUED,
                      created_at=now, heartbeat_at=now, vehicles_done=0,
                      report={"options": {"two_person": two_person, "tolerance_s": tolerance_s}})
    session.add(run)
    session.flush()
    return run


def run_planning(session_factory: SessionFactory | None, run_id: str,
                 on_done: Callable[[dict], None] | None = None, **options) -> str | None:
    """Claim a queued run and plan it; its final status, or None when someone else has it.
    `on_done` gets a completed run's report; `options` are solve_day's (matrix_provider,
    budget). Each step is a use case on sessions of its own (None: the app's engine)."""
    factory = session_factory or own_sessions()
    with use_case(factory) as session:
        claimed = session.execute(
            update(PlanningRun).where(PlanningRun.id == run_id, PlanningRun.status == QUEUED)
            .values(status=RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        engine = session.get_bind()
    if claimed != 1:
        return None
    try:
        # Read, solve, then write: no transaction is open while the routes are solved, so the
        # progress writes (and anyone reading the run) never wait, on SQLite either.
        with use_case(factory) as session:
            run = session.get(PlanningRun, run_id)
            day = read_day(session, run.plan_date, run.collectors, run.team_id, run.agency_id)
            created_by, read_at = run.created_by, utcnow()
            asked = (run.report or {}).get("options", {})
        vehicles = solve_day(day, progress=_progress_writer(engine, run_id), **asked, **options)
        with use_case(factory) as session:
            _refuse_newer_plans(session, day.day, vehicles, read_at)
            plans = store_plans(session, day.day, vehicles, created_by, utcnow())
            run = session.get(PlanningRun, run_id)
            run.status, run.finished_at = COMPLETED, utcnow()
            run.report = {**_report(plans), "options": asked}
            run.vehicles_done = run.vehicles_total = run.report["routes"]
            report = run.report
        if on_done:
            on_done(report)
        return COMPLETED
    except Exception as exc:
        log.exception("planning run %s failed", run_id)
        with use_case(factory) as session:
            _fail(session.get(PlanningRun, run_id), f"{type(exc).__name__}: {exc}"[:500])
        return FAILED


def _refuse_newer_plans(session: Session, day: date, vehicles, read_at: datetime) -> None:
    members = [m for vd in vehicles for m in vd.members]
    newer = session.scalar(select(RoutePlan.id).where(
        RoutePlan.plan_date == day, RoutePlan.collector_id.in_(members),
        RoutePlan.created_at > read_at).limit(1))
    if newer is not None:
        raise Conflict("a plan of this day was stored while this run planned it (a re-plan "
                       "after a change); plan the day again")


def get_visible_run(session: Session, run_id: str, agency_id: str | None) -> PlanningRun:
    """A run the caller may read (a dispatcher: their agency's), else NotFound."""
    stmt = select(PlanningRun).where(PlanningRun.id == run_id)
    if agency_id is not None:
        stmt = stmt.where(PlanningRun.agency_id == agency_id)
    run = session.scalar(stmt)
    if run is None:
        raise NotFound(f"no planning run has the id {run_id!r}")
    return run


def _report(plans) -> dict:
    """Totals of a finished run (a pair's shared route counted once)."""
    routes = {p.solver.get("vehicle", p.collector_id) for p in plans}
    dropped = {d["visit_id"]: d for p in plans for d in p.dropped}
    return {"plans": len(plans), "routes": len(routes), "dropped": len(dropped),
            "mandatory_dropped": sum(1 for d in dropped.values() if d["mandatory"]),
            "fallback_plans": sum(1 for p in plans if p.solver.get("matrix_fallback"))}


def _fail(run: PlanningRun, message: str, now: datetime | None = None) -> None:
    run.status, run.finished_at = FAILED, now or utcnow()
    run.report = {**(run.report or {}), "error": {"message": message}}


def _progress_writer(engine: Engine, run_id: str) -> Callable[[VehicleSummary], None]:
    """Write routes done of routes to do, and a heartbeat, after every solved route."""

    def write(summary: VehicleSummary) -> None:
        try:
            write_aside(engine, update(PlanningRun).where(PlanningRun.id == run_id).values(
                vehicles_done=summary.done, vehicles_total=summary.total, heartbeat_at=utcnow()))
        except Exception:  # progress is a courtesy; planning goes on without it
            log.warning("could not write the progress of planning run %s", run_id, exc_info=True)

    return write


def sweep_planning(session: Session, now: datetime, **options) -> dict:
    """The `planning` job: fail silent running runs and run the oldest queued one."""
    stale = session.scalars(select(PlanningRun).where(
        PlanningRun.status == RUNNING, PlanningRun.heartbeat_at < now - STALE_AFTER)).all()
    for run in stale:
        _fail(run, "interrupted (the server stopped while planning); no plan was written: "
                   "plan the day again", now)
    waiting = session.scalar(select(PlanningRun.id).where(
        PlanningRun.status == QUEUED, PlanningRun.heartbeat_at < now - PICKUP_AFTER)
        .order_by(PlanningRun.heartbeat_at).limit(1))
    checkpoint(session)  # nothing held while the run plans on sessions of its own
    ran = None
    if waiting is not None:
        ran = run_planning(sessionmaker(bind=session.get_bind()), waiting, **options)
    return {"interrupted": len(stale), "ran": 1 if ran else 0}
