"""Planning follows who is really on a visit: ended assignments, deactivated collectors,
overridden two-person minimums, and visits with more assignees than a crew."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.errors import InvalidInput
from server.models import RoutePlan, VisitAssignee
from server.routing import SHORT_CREW, plan_routes
from server.routing.crews import TOO_MANY_COLLECTORS
from tests.integration.routing.day import (
    BUDGET,
    DAY,
    near,
    plan_of,
    stops_of,
    team_day,
    visit,
)


def _plan(session, t, **kw):
    return plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET, **kw)


def _end(session, visit_row, collector):
    row = session.scalar(select(VisitAssignee).where(
        VisitAssignee.visit_id == visit_row.id, VisitAssignee.user_id == collector.id))
    row.ended_at = row.assigned_at
    session.flush()


def test_a_two_person_visit_whose_second_assignment_ended_is_not_routed_for_one(session):
    t = team_day(session, collectors=2)
    li, wang = t.collectors
    pair = visit(session, t, [li, wang], at=near(500, 0))
    own = visit(session, t, [li], at=near(0, 500))
    _end(session, pair, wang)

    _plan(session, t)

    assert {s.visit_id for s in stops_of(session, li)} == {own.id}
    assert plan_of(session, li).dropped == [
        {"visit_id": pair.id, "mandatory": False, "reason": SHORT_CREW}]
    assert plan_of(session, li).partner_id is None


def test_a_dispatchers_two_person_override_lets_one_collector_serve_it(session):
    t = team_day(session, collectors=1)
    lone = visit(session, t, t.collectors, at=near(500, 0))
    lone.required_collectors = 2
    row = session.scalar(select(VisitAssignee).where(VisitAssignee.visit_id == lone.id))
    row.override_reason = "TWO_PERSON: neighbour police officer accompanies"
    session.flush()

    _plan(session, t)

    assert [s.visit_id for s in stops_of(session, t.collectors[0])] == [lone.id]


def test_a_deactivated_collector_is_no_crew_mate_and_gets_no_plan(session):
    t = team_day(session, collectors=2)
    li, gone = t.collectors
    pair = visit(session, t, [li, gone], at=near(500, 0))
    visit(session, t, [gone], at=near(0, 500))
    gone.active = False
    session.flush()

    plans = _plan(session, t)

    assert [p.collector_id for p in plans] == [li.id]
    assert session.scalar(select(RoutePlan).where(RoutePlan.collector_id == gone.id)) is None
    assert plan_of(session, li).partner_id is None and stops_of(session, li) == []
    assert plan_of(session, li).dropped == [
        {"visit_id": pair.id, "mandatory": False, "reason": SHORT_CREW}]
    with pytest.raises(InvalidInput) as refused:
        plan_routes(session, DAY, [gone.username], budget=BUDGET)
    assert refused.value.errors == {"collectors": [f"deactivated: {gone.username}"]}


def test_a_visit_with_three_assignees_two_of_them_one_crew_is_listed_once(session):
    t = team_day(session, collectors=3)
    a, b, c = t.collectors
    visit(session, t, [a, b], at=near(300, 0))
    crowd = visit(session, t, [a, b, c], at=near(0, 300))

    _plan(session, t)

    expected = [{"visit_id": crowd.id, "mandatory": False, "reason": TOO_MANY_COLLECTORS}]
    for who in (a, b, c):
        assert plan_of(session, who).dropped == expected
