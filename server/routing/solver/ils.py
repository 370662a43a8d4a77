"""PyVRP's iterated local search, started with penalties on the day's own cost scale.

`pyvrp.solve` starts every penalty at the midpoint of [0.1, 100,000] (50,000 per second of
time warp) and revisits it every 500 iterations. A collector's day costs about 7 per second of
driving (metres at 25 km/h), so 50,000 makes every window hard for the whole of a short search:
it never crosses an infeasible plan to reach a better one, and a 40-stop day stayed 2-4 %
behind the best known after 300 iterations (docs/decisions.md D-route-penalties). Here, on
days of 16 stops or more, the penalties start at 1.5x the cost of one second of driving and
adapt every 50 iterations; everything else is `pyvrp.solve` as published (same operators,
neighbourhood and search).
"""

from __future__ import annotations

import numpy as np
import pyvrp
from pyvrp import (
    IteratedLocalSearch,
    PenaltyManager,
    ProblemData,
    RandomNumberGenerator,
    Result,
    Solution,
)
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
from pyvrp.solve import SolveParams
from pyvrp.stop import StoppingCriterion

PENALTY_UPDATES = 50  # iterations between penalty updates (PyVRP: 500)
START_FACTOR = 1.5  # initial penalty per unit of violation, in seconds of driving
# Smaller days keep pyvrp.solve's own start: they converge within ~20 iterations with it, and
# one 10-stop day in 20 needed 400 iterations from the low start (15 and fewer stops: default).
SCALED_FROM = 16
MAX_PENALTY = 100_000.0  # PyVRP's ceiling; raised to the largest prize when that is higher


def driving_cost_per_second(data: ProblemData) -> float:
    """What one second on the road costs in the objective (median over the matrix's legs)."""
    vt = data.vehicle_type(0)
    dist = data.distance_matrix(vt.profile).astype(np.float64)
    dur = data.duration_matrix(vt.profile).astype(np.float64)
    legs = dur > 0
    if not legs.any():
        return 1.0
    rate = np.median(dist[legs] / dur[legs]) * vt.unit_distance_cost + vt.unit_duration_cost
    return float(max(rate, 1.0))


def params(data: ProblemData) -> SolveParams:
    """PyVRP's parameters, penalties adapting every 50 iterations up to a ceiling at which
    one second late outweighs the largest prize (a mandatory stop's tier, build.tier_prizes),
    so the search can always be pushed back to feasible plans."""
    top = max((c.prize for c in data.clients()), default=0)
    ceiling = max(MAX_PENALTY, float(top))
    return SolveParams(penalty=PenaltyParams(solutions_between_updates=PENALTY_UPDATES,
                                             max_penalty=ceiling))


def search(data: ProblemData, stop: StoppingCriterion, seed: int = 0,
           collect_stats: bool = False, n_stops: int | None = None) -> Result:
    """pyvrp.solve's search; on days of SCALED_FROM stops or more (n_stops, else clients)
    with penalties starting at the day's cost of a second."""
    if (data.num_clients if n_stops is None else n_stops) < SCALED_FROM:
        return pyvrp.solve(data, stop, seed=seed, collect_stats=collect_stats)
    settings = params(data)
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, settings.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(settings.perturbation))
    for op in settings.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    start = START_FACTOR * driving_cost_per_second(data)
    pm = PenaltyManager(([start] * data.num_load_dimensions, start, start), settings.penalty)
    init = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(data, pm, ls, init, settings.ils)
    return algo.run(stop, collect_stats=collect_stats)
