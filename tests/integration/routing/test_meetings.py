"""Two-person visits planned as meetings: own routes, both there at (nearly) the same time."""

from __future__ import annotations

from server.routing import plan_routes
from server.routing.service import MEET
from server.routing.solver import Budget
from tests.integration.routing.day import (
    DAY,
    assert_every_stop_is_legal_and_in_shift,
    near,
    plan_of,
    stops_of,
    team_day,
    visit,
)

BUDGET = Budget(max_iterations=400, seed=0, stall_iterations=150)


def test_collectors_meet_at_their_shared_visits_and_otherwise_drive_alone(session):
    t = team_day(session, collectors=3)
    li, wang, zhao = t.collectors
    own = {a.id: [visit(session, t, [a], at=near(1500 * k, 900 * i), service_min=40)
                  for i in range(5)] for k, a in enumerate(t.collectors)}
    shared = [visit(session, t, [li, wang], at=near(700, 600 * i)) for i in range(2)]

    plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET, two_person=MEET,
                tolerance_s=600)

    for collector in t.collectors:
        mine = {s.visit_id for s in stops_of(session, collector)}
        expected = {v.id for v in own[collector.id]} | (
            {v.id for v in shared} if collector in (li, wang) else set())
        assert mine == expected
        assert plan_of(session, collector).partner_id is None
        assert plan_of(session, collector).dropped == []
    for v in shared:
        starts = [next(s.service_start for s in stops_of(session, a) if s.visit_id == v.id)
                  for a in (li, wang)]
        assert abs((starts[0] - starts[1]).total_seconds()) <= 600
    assert plan_of(session, zhao).solver["vehicle"] == zhao.id
    assert assert_every_stop_is_legal_and_in_shift(session) == 5 * 3 + 2 * 2


def test_a_shared_visit_the_pair_cannot_meet_at_is_dropped_on_both_plans(session):
    from server.routing.solver.sync import NO_MEETING

    t = team_day(session, collectors=2)
    li, wang = t.collectors
    wang.shift_start_min = 14 * 60  # li's day ends before wang's starts
    li.shift_end_min = 13 * 60
    session.flush()
    both = visit(session, t, [li, wang], at=near(500, 0))

    plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET, two_person=MEET)

    for collector in (li, wang):
        assert stops_of(session, collector) == []
        assert plan_of(session, collector).dropped == [
            {"visit_id": both.id, "mandatory": False, "reason": NO_MEETING}]
