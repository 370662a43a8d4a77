"""solve() keeps to its runtime budget, on the two-crew day with split windows that hung."""

import random
import time

from server.routing.solver import Budget, Collector, Point, Problem, Stop, solve
from server.routing.solver.plan import DOES_NOT_FIT, MANDATORY_CONFLICT

from .days import PEOPLES_SQUARE, H


def _two_crew_day(seed: int, n: int) -> Problem:
    """Two crews of two, every stop two-person, a third allowed to one crew only, half of
    them with split windows and half mandatory: the day ran > 12 minutes on a 5 s cap."""
    rng = random.Random(seed)
    crews = (Collector("a", PEOPLES_SQUARE, 9 * H, 18 * H, crew_size=2),
             Collector("b", Point(31.25, 121.45), 9 * H, 18 * H, crew_size=2))
    stops = []
    for i in range(n):
        at = Point(PEOPLES_SQUARE.lat + rng.uniform(-0.1, 0.1),
                   PEOPLES_SQUARE.lng + rng.uniform(-0.1, 0.1))
        early = rng.randrange(8, 12) * H
        windows = ((early, early + H), (early + 5 * H, early + 6 * H)) if i % 2 else (
            (early, early + 2 * H),)
        allowed = (frozenset({"a"}), frozenset({"b"}), None)[i % 3]
        stops.append(Stop(f"s{i}", at, 1800, windows, mandatory=rng.random() < 0.5,
                          prize=rng.randrange(2_000, 20_000), required_collectors=2,
                          allowed_collector_ids=allowed))
    return Problem(crews, tuple(stops))


def test_the_day_that_hung_ends_within_a_second_of_its_runtime_budget():
    budget = Budget(max_iterations=10**9, max_runtime_s=1.0)
    for seed, n in ((0, 30), (2, 40)):
        began = time.perf_counter()
        plan = solve(_two_crew_day(seed, n), budget=budget)
        assert time.perf_counter() - began < budget.max_runtime_s + 1.0
        # Over-full: the mandatory visits that do not fit are reported, not lost.
        assert not plan.complete
        assert {d.reason for d in plan.dropped if d.mandatory} == {MANDATORY_CONFLICT}
        allowed = {s.id: s.allowed_collector_ids for s in _two_crew_day(seed, n).stops}
        for route in plan.routes:
            assert all(allowed[v.stop_id] in (None, {route.collector_id}) for v in route.visits)


def test_an_assigned_visit_far_away_is_served_on_an_empty_day():
    collector = Collector("c1", PEOPLES_SQUARE, 9 * H, 18 * H)
    far = Point(PEOPLES_SQUARE.lat + 0.25, PEOPLES_SQUARE.lng)  # ~28 km, ~36 km by road
    near = Point(PEOPLES_SQUARE.lat + 0.001, PEOPLES_SQUARE.lng)
    stops = (Stop("far", far, 1200, prize=9_000, assigned=True),
             Stop("near", near, 1200, prize=9_000, assigned=True),
             Stop("optional-far", Point(PEOPLES_SQUARE.lat - 0.25, PEOPLES_SQUARE.lng), 1200,
                  prize=9_000))
    plan = solve(Problem((collector,), stops), budget=Budget(max_iterations=300))
    assert {v.stop_id for v in plan.route_of("c1").visits} == {"far", "near"}
    assert [(d.stop_id, d.mandatory) for d in plan.dropped] == [("optional-far", False)]


def test_assigned_visits_that_cannot_all_fit_are_dropped_as_not_fitting_not_unprofitable():
    collector = Collector("c1", PEOPLES_SQUARE, 9 * H, 11 * H)  # two hours, 50-minute visits
    stops = tuple(Stop(f"s{i}", Point(PEOPLES_SQUARE.lat + 0.0001 * i, PEOPLES_SQUARE.lng),
                       3000, prize=1_000 * i, assigned=True) for i in range(4))
    plan = solve(Problem((collector,), stops), budget=Budget(max_iterations=300))
    assert {v.stop_id for v in plan.route_of("c1").visits} == {"s2", "s3"}  # the higher prizes
    assert {d.reason for d in plan.dropped} == {DOES_NOT_FIT}


def test_a_converged_search_stops_early_with_the_same_plan():
    from .days import random_day

    collector, stops = random_day(11, 12)
    problem = Problem((collector,), tuple(stops))
    full = solve(problem, budget=Budget(max_iterations=1_500, seed=0))
    early = solve(problem, budget=Budget(max_iterations=1_500, seed=0, stall_iterations=100))
    assert early.iterations < full.iterations == 1_500
    assert early.objective == full.objective
    assert [v.stop_id for v in early.routes[0].visits] == [v.stop_id for v in full.routes[0].visits]


def test_the_stall_limit_follows_the_size_of_the_day_within_its_bounds():
    budget = Budget(max_iterations=2_000, stall_iterations=250, stall_per_stop=5)
    # 5 x n x n / 40: 20 stops 50 (not 100: same plans, half the search), 40 stops 200.
    assert [budget.stall_for(n) for n in (4, 10, 20, 30, 40, 60)] == [50, 50, 50, 112, 200, 250]
    assert Budget(max_iterations=9, stall_iterations=250).stall_for(10) == 250  # fixed
    assert Budget(max_iterations=9, stall_per_stop=5).stall_for(10) is None  # never


def test_a_small_day_stops_after_its_own_stall_limit_with_the_plan_of_the_fixed_limit():
    from .days import random_day

    collector, stops = random_day(11, 12)
    problem = Problem((collector,), tuple(stops))
    fixed = solve(problem, budget=Budget(max_iterations=1_500, seed=0, stall_iterations=250))
    scaled = solve(problem, budget=Budget(max_iterations=1_500, seed=0, stall_iterations=250,
                                          stall_per_stop=5))
    # 12 stops: 50 iterations without improvement (the least) end it, not 250.
    assert scaled.iterations == fixed.iterations - (250 - 50)
    assert scaled.objective == fixed.objective
    assert [v.stop_id for v in scaled.routes[0].visits] == \
        [v.stop_id for v in fixed.routes[0].visits]


def test_the_planner_settings_scale_the_stall_limit_by_default():
    from server.routing.settings import routing_settings

    _, budget = routing_settings({"ROUTING_STALL_ITERATIONS": 250, "ROUTING_STALL_PER_STOP": 5})
    assert budget.stall_for(10) == 50 and budget.stall_for(100) == 250
    _, fixed = routing_settings({"ROUTING_STALL_ITERATIONS": 250, "ROUTING_STALL_PER_STOP": 0})
    assert fixed.stall_for(10) == 250
