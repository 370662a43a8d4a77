"""Plan a day: build the PyVRP model, search within a budget, read back routes and ETAs."""

from __future__ import annotations

import time
from dataclasses import replace

import pyvrp
from pyvrp import ActivityType, Result
from pyvrp.stop import (
    MaxIterations,
    MaxRuntime,
    MultipleCriteria,
    NoImprovement,
    StoppingCriterion,
)

from .build import Built, Prepared, build, prepare
from .ils import PRIZE_PHASE_SHARE, carried_over, inflated, prize_phase, search
from .matrix import HaversineProvider, MatrixProvider
from .model import Budget, Problem
from .plan import (
    DOES_NOT_FIT,
    MANDATORY_CONFLICT,
    NOT_PROFITABLE,
    DroppedStop,
    Plan,
    Route,
    RoutingFailed,
    Visit,
)

# Deterministic by default (iterations), with a wall-clock cap for very large days.
DEFAULT_BUDGET = Budget(max_iterations=2_000, max_runtime_s=30.0)


def stopping_criterion(budget: Budget, n_stops: int = 0) -> StoppingCriterion:
    """A fresh stopping criterion (they keep state, so one per solve) for the budget; the
    stall limit follows the day's size when the budget says so (Budget.stall_per_stop)."""
    parts: list[StoppingCriterion] = []
    if budget.max_iterations is not None:
        parts.append(MaxIterations(budget.max_iterations))
    if budget.max_runtime_s is not None:
        parts.append(MaxRuntime(budget.max_runtime_s))
    stall = budget.stall_for(n_stops)
    if stall is not None:
        parts.append(NoImprovement(stall))
    return parts[0] if len(parts) == 1 else MultipleCriteria(parts)


def run(data: pyvrp.ProblemData, budget: Budget, optional_below: int | None = None,
        callbacks=None) -> Result:
    """Run PyVRP's search (penalties on the day's cost scale, .ils) within the budget.

    With optional_below (clients with a smaller prize are optional stops, build.tier_prizes)
    a day of .ils.PRIZE_PHASE_FROM stops per collector or more first searches with its
    optional prizes doubled for a few iterations, then on its own prizes from the plan found;
    the two phases share the budget. `callbacks` (PyVRP's IteratedLocalSearchCallbacks) see
    the second."""
    n_stops = _stops(data)
    phase = prize_phase(data, n_stops, optional_below, budget.max_iterations)
    if phase is None:
        return search(data, stopping_criterion(budget, n_stops), seed=budget.seed,
                      n_stops=n_stops, callbacks=callbacks)
    began = time.perf_counter()
    share = None if budget.max_runtime_s is None else PRIZE_PHASE_SHARE * budget.max_runtime_s
    first_budget = Budget(max_iterations=phase.iterations, max_runtime_s=share)
    first = search(inflated(data, phase), stopping_criterion(first_budget), seed=budget.seed,
                   n_stops=n_stops)
    rest = _remaining(budget, time.perf_counter() - began)
    if rest.max_iterations is not None:
        rest = replace(rest, max_iterations=rest.max_iterations - first.num_iterations)
    second = search(data, stopping_criterion(rest, n_stops), seed=budget.seed, n_stops=n_stops,
                    initial=carried_over(first.best, data), callbacks=callbacks)
    return Result(second.best, second.stats, first.num_iterations + second.num_iterations,
                  first.runtime + second.runtime)


def _stops(data: pyvrp.ProblemData) -> int:
    """Visits modelled: a stop with several windows is one client per window in one group."""
    grouped = sum(len(data.group(g)) for g in range(data.num_groups))
    return data.num_clients - grouped + data.num_groups


def solve(
    problem: Problem,
    matrix_provider: MatrixProvider | None = None,
    budget: Budget | None = None,
) -> Plan:
    """Plan the day: every mandatory stop, then every assigned one that fits, then optional
    ones worth their detour; the whole call keeps to the budget's runtime."""
    budget = budget or DEFAULT_BUDGET
    began = time.perf_counter()
    prep = prepare(problem, matrix_provider or HaversineProvider())
    if not prep.stops:
        return Plan((), prep.dropped, 0, 0.0, 0, prep.fallback_pairs)
    built = build(prep)
    result = run(built.data, _remaining(budget, time.perf_counter() - began),
                 optional_below=built.optional_below)
    if not result.best.is_feasible():
        raise RoutingFailed("no feasible plan found within the budget")
    return _plan(prep, built, result)


def _remaining(budget: Budget, spent_s: float) -> Budget:
    """The budget left for the search once the matrices are built (never below 10 ms)."""
    if budget.max_runtime_s is None:
        return budget
    return replace(budget, max_runtime_s=max(budget.max_runtime_s - spent_s, 0.01))


def _plan(prep: Prepared, built: Built, result: Result) -> Plan:
    """Read routes, ETAs and dropped stops back from the solver's best solution."""
    sol = result.best
    dist, dur = prep.distance, prep.duration
    visited: set[int] = set()
    routes = []
    used = [0] * len(built.type_collectors)  # routes of a shared type go to its collectors in turn
    for route in sol.routes():
        vtype = route.vehicle_type()
        collector = built.type_collectors[vtype][used[vtype]]
        used[vtype] += 1
        schedule = route.schedule()
        prev = schedule[0]
        prev_loc = built.data.depot(prev.idx).location
        visits = []
        for act in schedule[1:-1]:
            if act.type != ActivityType.CLIENT:
                continue
            stop_idx = built.client_stop[act.idx]
            loc = built.data.client(act.idx).location
            visits.append(
                Visit(
                    stop_id=prep.stops[stop_idx].id,
                    arrival_s=act.start_time - act.wait_duration,
                    start_s=act.start_time,
                    end_s=act.end_time,
                    wait_s=act.wait_duration,
                    window=built.client_window[act.idx],
                    leg_distance_m=int(dist[prev_loc, loc]),
                    leg_duration_s=int(dur[prev_loc, loc]),
                )
            )
            visited.add(stop_idx)
            prev_loc = loc
        end_loc = built.data.depot(schedule[-1].idx).location
        routes.append(
            Route(
                collector_id=collector.id,
                depart_s=schedule[0].end_time,
                return_s=schedule[-1].start_time,
                visits=tuple(visits),
                return_leg_distance_m=int(dist[prev_loc, end_loc]),
                return_leg_duration_s=int(dur[prev_loc, end_loc]),
            )
        )
    dropped = list(prep.dropped)
    for i, stop in enumerate(prep.stops):
        if i not in visited:
            dropped.append(DroppedStop(stop.id, stop.mandatory, _reason(stop)))
    optional = sum(s.prize for i, s in enumerate(prep.stops)
                   if i in visited and not (s.mandatory or s.assigned))
    return Plan(
        routes=tuple(routes),
        dropped=tuple(dropped),
        objective=int(sol.distance_cost() + sol.duration_cost()) - optional,
        runtime_s=float(result.runtime),
        iterations=int(result.num_iterations),
        fallback_pairs=prep.fallback_pairs,
    )


def _reason(stop) -> str:
    """Why a modelled stop is on no route, by its tier."""
    if stop.mandatory:
        return MANDATORY_CONFLICT
    return DOES_NOT_FIT if stop.assigned else NOT_PROFITABLE
