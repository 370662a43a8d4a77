"""The search starts its penalties on the day's cost scale (server.routing.solver.ils)."""

import pytest
import pyvrp
from pyvrp.stop import MaxIterations

from bench.routing import _day
from server.routing.solver import HaversineProvider
from server.routing.solver.build import build, prepare
from server.routing.solver.ils import driving_cost_per_second, params, search


def _data(seed: int, n: int = 40):
    return build(prepare(_day(1000 * n + seed, n), HaversineProvider())).data


def _cost(result) -> int:
    best = result.best
    assert best.is_feasible()
    return best.distance_cost() + best.duration_cost() + best.uncollected_prizes()


def test_a_second_of_driving_costs_about_what_the_road_covers_in_a_second():
    # 25 km/h is ~6.9 m/s and a metre costs 1: the start penalty is on that scale, not 50,000.
    assert 6.0 <= driving_cost_per_second(_data(0)) <= 8.0


def test_the_penalty_ceiling_outweighs_the_largest_prize():
    data = _data(1)
    top = max(c.prize for c in data.clients())
    assert top > 100_000  # a mandatory stop's tier prize
    assert params(data).penalty.max_penalty >= top


@pytest.mark.slow
def test_short_searches_on_forty_stop_days_end_cheaper_than_pyvrps_own_start():
    ours = sum(_cost(search(_data(s), MaxIterations(300), seed=0)) for s in range(3))
    own = sum(_cost(pyvrp.solve(_data(s), MaxIterations(300), seed=0, collect_stats=False))
              for s in range(3))
    assert ours < own


def test_a_small_day_keeps_pyvrps_own_search():
    data = _data(4, n=10)  # converges within ~10 iterations from PyVRP's start, 400 from ours
    ours = search(data, MaxIterations(60), seed=0)
    own = pyvrp.solve(data, MaxIterations(60), seed=0, collect_stats=False)
    assert _cost(ours) == _cost(own)
    assert search(data, MaxIterations(60), seed=0, n_stops=40).best.is_feasible()
