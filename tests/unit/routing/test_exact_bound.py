"""The exact team-day reference (bench.routing_exact): subset DP against brute force."""

import itertools
import random
from dataclasses import replace

import numpy as np
import pytest

from bench.routing_exact import feasible_sets, upper_bound
from bench.routing_sync import team_day
from server.routing.solver import Budget, Collector, HaversineProvider, Point, Problem, Stop
from server.routing.solver.sync import solve_synchronised

from .days import PEOPLES_SQUARE, H


def _tiny(seed: int, n: int) -> tuple[Collector, list[Stop]]:
    rng = random.Random(seed)
    collector = Collector("a", PEOPLES_SQUARE, 9 * H, 12 * H)
    stops = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.3:
            start = rng.randrange(9 * H, 12 * H, 900)
            windows = ((start, start + 1800),)
        elif kind < 0.6:
            windows = ((9 * H, 10 * H), (11 * H, 12 * H))
        else:
            windows = ()
        stops.append(Stop(f"s{i}", Point(PEOPLES_SQUARE.lat + rng.uniform(-0.03, 0.03),
                                         PEOPLES_SQUARE.lng + rng.uniform(-0.03, 0.03)),
                          rng.randrange(900, 2700, 300), windows,
                          allowed_collector_ids=frozenset({"a"})))
    return collector, stops


def _fits_by_brute_force(collector, stops, order) -> bool:
    """Walk one order: wait for the earliest window still open, fail when none is."""
    pts = np.array([[collector.start.lat, collector.start.lng]]
                   + [[s.location.lat, s.location.lng] for s in stops])
    _, dur = HaversineProvider().matrices(pts)
    t, here = collector.shift_start_s, 0
    for i in order:
        t += int(dur[here, i + 1])
        opens = [max(t, e) for e, late in sorted(stops[i].windows or ((0, 86_400),)) if t <= late]
        if not opens:
            return False
        t, here = opens[0] + stops[i].service_s, i + 1
    return t + int(dur[here, 0]) <= collector.shift_end_s


@pytest.mark.parametrize("seed", range(4))
def test_the_subset_dp_finds_exactly_the_sets_some_order_fits(seed):
    collector, stops = _tiny(seed, 6)
    fits = feasible_sets(collector, stops, HaversineProvider())
    for mask in range(1 << len(stops)):
        chosen = [i for i in range(len(stops)) if mask >> i & 1]
        brute = any(_fits_by_brute_force(collector, stops, order)
                    for order in itertools.permutations(chosen))
        assert bool(fits[mask]) == brute, f"set {chosen}"
    assert not fits.all()  # the 3-hour shift cannot hold every visit: the test has teeth


def test_the_bound_counts_a_shared_visit_only_when_both_collectors_can_fit_it():
    a = Collector("a", PEOPLES_SQUARE, 9 * H, 18 * H)
    b = Collector("b", Point(31.24, 121.49), 13 * H, 18 * H)
    solo = [Stop(f"{c.id}0", Point(31.235, 121.48), 1200, assigned=True,
                 allowed_collector_ids=frozenset({c.id})) for c in (a, b)]
    morning = Stop("x", Point(31.235, 121.48), 1200, ((9 * H, 11 * H),), assigned=True,
                   required_collectors=2, allowed_collector_ids=frozenset({"a", "b"}))
    assert upper_bound(Problem((a, b), (*solo, morning))).visits == 2  # b starts at 13:00
    afternoon = Stop("x", morning.location, 1200, ((14 * H, 16 * H),), assigned=True,
                     required_collectors=2, allowed_collector_ids=frozenset({"a", "b"}))
    assert upper_bound(Problem((a, b), (*solo, afternoon))).visits == 3


def test_no_synchronised_plan_serves_more_than_the_bound():
    day = team_day(3, 2, 9, 2)
    # Over-full: 16 visits for two 4-hour shifts, so the bound is below the visit count.
    problem = Problem(tuple(replace(c, shift_end_s=13 * H) for c in day.collectors), day.stops)
    plan = solve_synchronised(problem, budget=Budget(max_iterations=400, seed=0,
                                                     stall_iterations=100))
    served = len({v.stop_id for r in plan.routes for v in r.visits})
    bound = upper_bound(problem).visits
    assert bound < len(problem.stops)
    assert 0.9 * bound <= served <= bound
