"""The scheduler's money jobs run from the CLI, twice cleanly, and do their work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.models import JobRun, Placement
from tests.support import factories as f
from tests.support.clock import operation_today


def test_placement_ends_recalls_a_placement_past_its_last_day_and_cash_deposits_runs(
        runner, session):
    collector = f.user(session, "collector", f.team(session))
    case, _ = f.case_with_visit(session, collectors=[collector])
    placement = session.scalar(select(Placement).where(Placement.case_id == case.id))
    placement.ends_on = operation_today() - timedelta(days=2)
    session.commit()
    for name in ("placement_ends", "cash_deposits") * 2:
        result = runner.invoke(args=["jobs", "run-once", name])
        assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(Placement, placement.id).returned_at is not None
    assert {r.name for r in session.scalars(select(JobRun))} >= {"placement_ends",
                                                                     "cash_deposits"}
