"""A long day's search starts with its optional prizes doubled (server.routing.solver.ils,
.search.run; docs/decisions.md D-route-prize-phase)."""

import pytest
from pyvrp import ActivityType
from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks
from pyvrp.stop import MaxIterations

from bench.routing import _day
from bench.routing_converge import _team_day
from server.routing.solver import Budget, HaversineProvider, Problem, solve
from server.routing.solver.build import build, prepare
from server.routing.solver.ils import (
    PRIZE_FACTOR,
    PRIZE_PHASE_PER_STOP,
    PrizePhase,
    carried_over,
    inflated,
    prize_phase,
    search,
)
from server.routing.solver.search import run

from .days import random_day


def _built(seed: int, n: int = 40):
    return build(prepare(_day(1000 * n + seed, n), HaversineProvider()))


def _cost(solution) -> int:
    assert solution.is_feasible()
    return solution.distance_cost() + solution.duration_cost() + solution.uncollected_prizes()


def _visits(solution):
    return [[a.idx for a in r.schedule() if a.type == ActivityType.CLIENT]
            for r in solution.routes()]


def test_only_optional_prizes_are_raised_and_nothing_else_changes():
    built = _built(0)
    data = built.data
    raised = inflated(data, PrizePhase(80, built.optional_below))
    optional = 0
    for before, after in zip(data.clients(), raised.clients(), strict=True):
        if before.prize < built.optional_below:
            optional += 1
            assert after.prize == before.prize * PRIZE_FACTOR
        else:  # a mandatory stop's tier prize
            assert after.prize == before.prize
        for field in ("location", "service_duration", "tw_early", "tw_late", "required",
                      "group", "name"):
            assert getattr(after, field) == getattr(before, field)
    assert 0 < optional < data.num_clients  # the day has both tiers
    assert (raised.distance_matrix(0) == data.distance_matrix(0)).all()
    # a raised prize never reaches the assigned tier
    capped = inflated(data, PrizePhase(80, 5_000))
    assert max(c.prize for c in capped.clients() if c.prize < 5_000) <= 4_999
    assert any(c.prize == 4_999 for c in capped.clients())


def test_the_phase_is_for_long_days_of_one_collector_with_optional_stops():
    built = _built(0)
    phase = prize_phase(built.data, 40, built.optional_below, 2_000)
    assert phase == PrizePhase(PRIZE_PHASE_PER_STOP * 40, built.optional_below)
    assert prize_phase(built.data, 40, None, 2_000) is None  # a Solomon instance, say
    assert prize_phase(built.data, 40, built.optional_below, 2 * phase.iterations - 1) is None
    short = _built(0, n=20)
    assert prize_phase(short.data, 20, short.optional_below, 2_000) is None
    team = build(prepare(_team_day(7, 25, 200), HaversineProvider()))  # 8 stops a collector
    assert prize_phase(team.data, 200, team.optional_below, 2_000) is None
    # every stop mandatory or assigned: no optional prize to raise
    assert prize_phase(built.data, 40, 1, 2_000) is None


def test_a_plan_carries_over_to_the_other_copy_of_the_day_unchanged():
    built = _built(1)
    raised = inflated(built.data, PrizePhase(80, built.optional_below))
    first = search(raised, MaxIterations(20), seed=0, n_stops=40).best
    back = carried_over(first, built.data)
    assert _visits(back) == _visits(first)
    assert back.distance() == first.distance()
    assert [r.vehicle_type() for r in back.routes()] == [r.vehicle_type()
                                                          for r in first.routes()]


class _Count(IteratedLocalSearchCallbacks):
    def __init__(self):
        self.iterations = 0
        self.started = 0

    def on_start(self, ils):
        self.started += 1

    def on_iteration(self, current, candidate, best, cost_evaluator):
        self.iterations += 1


def test_both_phases_share_the_iteration_budget():
    built = _built(2)
    seen = _Count()
    result = run(built.data, Budget(max_iterations=300, seed=0), built.optional_below,
                 callbacks=seen)
    assert result.num_iterations == 300
    assert seen.started == 1 and seen.iterations == 300 - PRIZE_PHASE_PER_STOP * 40
    assert result.best.is_feasible()
    # without the threshold the day is searched as before, in one phase
    plain = _Count()
    run(built.data, Budget(max_iterations=300, seed=0), callbacks=plain)
    assert plain.iterations == 300


def test_a_runtime_budget_alone_leaves_the_second_phase_its_share():
    built = _built(3)
    seen = _Count()
    result = run(built.data, Budget(max_runtime_s=0.2, seed=0), built.optional_below,
                 callbacks=seen)
    assert result.best.is_feasible()
    assert seen.started == 1 and result.num_iterations >= seen.iterations


@pytest.mark.slow
def test_forty_stop_days_end_cheaper_with_the_phase():
    # 12 days, 300 iterations: 0.7 % cheaper in sum (7 of 12 days cheaper) when measured.
    old = new = 0
    for day in range(12):
        built = _built(day)
        budget = Budget(max_iterations=300, seed=0)
        old += _cost(run(built.data, budget).best)
        new += _cost(run(built.data, budget, built.optional_below).best)
    assert new < old


def test_stops_with_two_windows_are_visited_once_within_one_of_them():
    collector, stops = random_day(2, 40)  # 22 stops with two windows
    problem = Problem((collector,), tuple(stops))
    built = build(prepare(problem, HaversineProvider()))
    assert prize_phase(built.data, 40, built.optional_below, 400) is not None
    plan = solve(problem, budget=Budget(max_iterations=400, seed=0))
    windows = {s.id: s.windows for s in stops}
    seen = [v.stop_id for r in plan.routes for v in r.visits]
    assert len(seen) == len(set(seen)) and len(seen) + len(plan.dropped) == len(stops)
    for route in plan.routes:
        for v in route.visits:
            assert any(early <= v.start_s <= late for early, late in windows[v.stop_id])
    assert plan.iterations == 400
