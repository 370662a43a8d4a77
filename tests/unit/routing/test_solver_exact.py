import numpy as np
import pytest

from server.routing.solver import Budget, HaversineProvider, Problem, solve

from .days import exact_optimum, random_day

CASES = [(seed, n) for seed, n in [(1, 5), (2, 7), (3, 8), (4, 9), (5, 10), (6, 10)]]


def _feasible_day(seed, n):
    """The first seeded day from `seed` on whose mandatory stops fit (the DP decides)."""
    provider = HaversineProvider()
    for attempt in range(seed * 100, seed * 100 + 50):
        collector, stops = random_day(attempt, n)
        points = np.array(
            [[collector.start.lat, collector.start.lng]]
            + [[s.location.lat, s.location.lng] for s in stops]
        )
        dist, dur = provider.matrices(points)
        best = exact_optimum(collector, stops, dist, dur)
        if best is not None:
            return collector, stops, dist, best
    raise AssertionError("no feasible day generated")


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_single_collector_day_matches_the_exact_optimum(seed, n):
    collector, stops, dist, (optimum, order) = _feasible_day(seed, n)
    plan = solve(Problem((collector,), tuple(stops)), budget=Budget(max_iterations=1500, seed=0))
    index = {s.id: j + 1 for j, s in enumerate(stops)}
    visited = [index[v.stop_id] for r in plan.routes for v in r.visits]
    legs = zip([0, *visited], [*visited, 0], strict=True)
    travel = sum(int(dist[a, b]) for a, b in legs)
    prizes = sum(stops[j - 1].prize for j in visited if not stops[j - 1].mandatory)
    assert travel == plan.distance_m
    assert travel - prizes == optimum, f"solver order {visited}, optimal {[j + 1 for j in order]}"
    assert plan.complete
