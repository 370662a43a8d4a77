"""PyVRP's iterated local search, started with penalties on the day's own cost scale.

`pyvrp.solve` starts every penalty at the midpoint of [0.1, 100,000] (50,000 per second of
time warp) and revisits it every 500 iterations. A collector's day costs about 7 per second of
driving (metres at 25 km/h), so 50,000 makes every window hard for the whole of a short search:
it never crosses an infeasible plan to reach a better one, and a 40-stop day stayed 2-4 %
behind the best known after 300 iterations (docs/decisions.md D-route-penalties). Here, on
days of 16 stops or more, the penalties start at 1.5x the cost of one second of driving and
adapt every 50 iterations; everything else is `pyvrp.solve` as published (same operators,
neighbourhood and search).

On days of PRIZE_PHASE_FROM stops or more per collector with optional stops, the search first
runs a short phase on a copy of the day whose optional prizes are doubled (`prize_phase`,
`inflated`): the plan it ends on packs in more visits, in an order that leaves room for them,
and the search on the day's own prizes starts from it and drops the visits not worth their
detour (docs/decisions.md D-route-prize-phase).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace as replaced

import numpy as np
import pyvrp
from pyvrp import (
    ActivityType,
    Client,
    IteratedLocalSearch,
    PenaltyManager,
    ProblemData,
    RandomNumberGenerator,
    Result,
    Solution,
)
from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks
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
PRIZE_PHASE_FROM = 30  # stops per collector; smaller days reach the best known without it
PRIZE_FACTOR = 2  # optional prizes are multiplied by this in the first phase
PRIZE_PHASE_PER_STOP = 2  # first-phase iterations per stop (80 on a 40-stop day)
PRIZE_PHASE_SHARE = 0.4  # at most this share of a runtime budget goes to the first phase


@dataclass(frozen=True)
class PrizePhase:
    """The first phase of a day's search: iterations on the day with optional prizes raised."""

    iterations: int
    optional_below: int  # a client whose prize is below this is an optional stop


def prize_phase(data: ProblemData, n_stops: int, optional_below: int | None,
                max_iterations: int | None) -> PrizePhase | None:
    """The first phase for a day, or None: fewer than PRIZE_PHASE_FROM stops per collector
    (on a 25-collector, 200-stop day it made plans 0.2-1.9 % worse), no optional stop with a
    prize, or an iteration budget too small to leave the second phase most of it."""
    if optional_below is None or n_stops < PRIZE_PHASE_FROM * max(data.num_vehicles, 1):
        return None
    if not any(_optional(c, optional_below) for c in data.clients()):
        return None
    iterations = PRIZE_PHASE_PER_STOP * n_stops
    if max_iterations is not None and max_iterations < 2 * iterations:
        return None
    return PrizePhase(iterations, optional_below)


def inflated(data: ProblemData, phase: PrizePhase) -> ProblemData:
    """The day with every optional prize multiplied by PRIZE_FACTOR, kept below the assigned
    tier so the tiers' order holds (their prizes unchanged)."""
    top = phase.optional_below - 1
    return data.replace(clients=[
        _client_with_prize(c, min(c.prize * PRIZE_FACTOR, top))
        if _optional(c, phase.optional_below) else c for c in data.clients()])


def _optional(client: Client, optional_below: int) -> bool:
    """An optional stop with a prize to raise (below the assigned tier, build.tier_prizes)."""
    return 0 < client.prize < optional_below


def _client_with_prize(c: Client, prize: int) -> Client:
    return Client(location=c.location, delivery=c.delivery, pickup=c.pickup,
                  service_duration=c.service_duration, tw_early=c.tw_early, tw_late=c.tw_late,
                  release_time=c.release_time, prize=prize, required=c.required, group=c.group,
                  name=c.name)


def carried_over(solution: Solution, data: ProblemData) -> Solution:
    """The same routes (vehicle types, visit order) as a solution of another copy of the day."""
    routes = [pyvrp.Route(data, [a.idx for a in r.schedule() if a.type == ActivityType.CLIENT],
                          r.vehicle_type()) for r in solution.routes()]
    return Solution(data, [r for r in routes if r.num_clients()])


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
           collect_stats: bool = False, n_stops: int | None = None,
           initial: Solution | None = None,
           callbacks: IteratedLocalSearchCallbacks | None = None) -> Result:
    """pyvrp.solve's search; on days of SCALED_FROM stops or more (n_stops, else clients)
    with penalties starting at the day's cost of a second, from `initial` when given."""
    if (data.num_clients if n_stops is None else n_stops) < SCALED_FROM and initial is None:
        own = SolveParams()
        if callbacks is not None:
            own = SolveParams(ils=replaced(own.ils, callbacks=callbacks))
        return pyvrp.solve(data, stop, seed=seed, collect_stats=collect_stats, params=own)
    settings = params(data)
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, settings.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(settings.perturbation))
    for op in settings.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    start = START_FACTOR * driving_cost_per_second(data)
    pm = PenaltyManager(([start] * data.num_load_dimensions, start, start), settings.penalty)
    if initial is None:
        init = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    else:
        init = ls(initial, pm.cost_evaluator(), exhaustive=True)
    ils = settings.ils if callbacks is None else replaced(settings.ils, callbacks=callbacks)
    algo = IteratedLocalSearch(data, pm, ls, init, ils)
    return algo.run(stop, collect_stats=collect_stats)
