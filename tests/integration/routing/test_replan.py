"""replan_for_visits: a reassigned or rebooked visit moves between stored plans."""

from __future__ import annotations

from server.models import VisitAssignee, utcnow
from server.routing import plan_routes, replan_for_visits
from tests.integration.routing.day import (
    BUDGET,
    DAY,
    assert_every_stop_is_legal_and_in_shift,
    local,
    near,
    stops_of,
    team_day,
    visit,
)


def test_replanning_after_a_reassignment_moves_the_stop_to_the_new_collector(session):
    t = team_day(session, collectors=2)
    li, wang = t.collectors
    moving = visit(session, t, [li], at=near(700, 0))
    visit(session, t, [li], at=near(-400, 0))
    visit(session, t, [wang], at=near(0, 600))
    plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET)
    assert moving.id in {s.visit_id for s in stops_of(session, li)}

    row = session.query(VisitAssignee).filter_by(visit_id=moving.id, user_id=li.id).one()
    row.ended_at = utcnow()
    session.add(VisitAssignee(visit_id=moving.id, user_id=wang.id))
    session.flush()
    plans = replan_for_visits(session, [moving.id], budget=BUDGET)

    assert {p.collector_id for p in plans} == {li.id, wang.id}
    assert moving.id not in {s.visit_id for s in stops_of(session, li)}
    assert moving.id in {s.visit_id for s in stops_of(session, wang)}
    assert len(stops_of(session, li)) == 1 and len(stops_of(session, wang)) == 2
    assert assert_every_stop_is_legal_and_in_shift(session) == 3


def test_replanning_after_a_new_appointment_moves_the_stop_into_it(session):
    t = team_day(session, collectors=1)
    booked = visit(session, t, t.collectors, at=near(700, 0))
    visit(session, t, t.collectors, at=near(-400, 0))
    plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET)

    booked.window_start, booked.window_end = local(DAY, 16), local(DAY, 16, 30)
    booked.mandatory = True
    session.flush()
    replan_for_visits(session, [booked.id], budget=BUDGET)

    stop = next(s for s in stops_of(session, t.collectors[0]) if s.visit_id == booked.id)
    assert local(DAY, 16) <= stop.service_start <= local(DAY, 16, 30)


def test_a_day_nobody_has_planned_yet_is_left_for_the_dispatcher(session):
    t = team_day(session, collectors=1)
    v = visit(session, t, t.collectors)

    assert replan_for_visits(session, [v.id], budget=BUDGET) == []
    assert stops_of(session, t.collectors[0]) == []
