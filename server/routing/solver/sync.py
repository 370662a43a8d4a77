"""Synchronised two-person visits: each collector keeps their own route and both meet at the
shared visit, their service starts at most `tolerance_s` apart (docs/decisions.md D-sync-visits).

PyVRP has no synchronisation constraint, so a shared visit becomes one copy per collector
(allowed to that collector only) and a repair loop over time windows aligns the copies: solve,
and for every shared visit whose copies start too far apart, fix both copies' window to the
later start plus the tolerance (clipped to the legal window it lies in; one visit per pair and
round, the earliest) and solve again. A shared visit that still cannot be met (one copy
dropped after its window was fixed, or no agreement within the rounds) is dropped on both
routes, so a pair is always both present.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from .matrix import HaversineProvider, MatrixProvider
from .model import Budget, Problem, Stop
from .plan import DroppedStop, Plan
from .search import DEFAULT_BUDGET, solve

NO_MEETING = "two-person visit: its two collectors cannot both be there at the same time"
MAX_ROUNDS = 6


@dataclass(frozen=True)
class _Shared:
    stop: Stop
    pair: tuple[str, str]


def shared_stops(problem: Problem) -> list[_Shared]:
    """Stops two named collectors must serve together (required_collectors 2, two allowed)."""
    out = []
    for s in problem.stops:
        if s.required_collectors == 2 and s.allowed_collector_ids is not None \
                and len(s.allowed_collector_ids) == 2:
            out.append(_Shared(s, tuple(sorted(s.allowed_collector_ids))))
    return out


def _copy_id(stop_id: str, collector_id: str) -> str:
    return f"{stop_id}@{collector_id}"


def solve_synchronised(problem: Problem, matrix_provider: MatrixProvider | None = None,
                       budget: Budget | None = None, tolerance_s: int = 600,
                       max_rounds: int = MAX_ROUNDS) -> Plan:
    """Plan each collector's own route; shared visits are met by both within tolerance_s.

    Collectors no visit links (a team of fixed pairs) are solved group by group, each with a
    share of the runtime left in proportion to its visits: one 220-visit model of 20
    collectors searched ~10x slower per iteration than ten 22-visit ones, and every repair
    round re-solved the whole team for one pair's meeting."""
    budget, provider = budget or DEFAULT_BUDGET, matrix_provider or HaversineProvider()
    parts = independent(problem)
    if len(parts) == 1:
        return _solve_group(problem, provider, budget, tolerance_s, max_rounds)
    began, plans = time.perf_counter(), []
    left = sum(len(p.stops) for p in parts)
    for part in parts:
        part_budget = budget
        if budget.max_runtime_s is not None:
            spent = time.perf_counter() - began
            share = (budget.max_runtime_s - spent) * len(part.stops) / left
            part_budget = replace(budget, max_runtime_s=max(share, 0.01))
        left -= len(part.stops)
        plans.append(_solve_group(part, provider, part_budget, tolerance_s, max_rounds))
    return Plan(routes=tuple(r for p in plans for r in p.routes),
                dropped=tuple(d for p in plans for d in p.dropped),
                objective=sum(p.objective for p in plans),
                runtime_s=sum(p.runtime_s for p in plans),
                iterations=sum(p.iterations for p in plans),
                fallback_pairs=sum(p.fallback_pairs for p in plans))


def independent(problem: Problem) -> list[Problem]:
    """The problem split into groups of collectors no stop links (a stop any collector may
    serve links them all), each with its stops; groups without stops are left out."""
    ids = [c.id for c in problem.collectors]
    parent = {c: c for c in ids}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for s in problem.stops:
        who = [c for c in (s.allowed_collector_ids or ids) if c in parent]
        if not who:
            return [problem]  # nobody may serve it: solved whole, so it is reported dropped
        for c in who[1:]:
            parent[root(c)] = root(who[0])
    groups: dict[str, list] = {}
    for c in problem.collectors:
        groups.setdefault(root(c.id), []).append(c)
    stops: dict[str, list[Stop]] = {g: [] for g in groups}
    for s in problem.stops:
        stops[root(next(c for c in (s.allowed_collector_ids or ids) if c in parent))].append(s)
    if len(groups) == 1 or not problem.stops:
        return [problem]
    return [replace(problem, collectors=tuple(groups[g]), stops=tuple(stops[g]))
            for g in groups if stops[g]]


def _solve_group(problem: Problem, provider: MatrixProvider, budget: Budget,
                 tolerance_s: int, max_rounds: int) -> Plan:
    """The repair loop for collectors linked by their visits."""
    began = time.perf_counter()
    shared = {s.stop.id: s for s in shared_stops(problem)}
    solo = tuple(s for s in problem.stops if s.id not in shared)
    windows = {sid: s.stop.windows for sid, s in shared.items()}
    fixed: set[str] = set()
    excluded: set[str] = set()
    runtime = iterations = 0.0
    # After max_rounds (or most of the runtime) every unmet visit is dropped, so this ends.
    for round_no in range(max_rounds + len(shared) + 1):
        stops = solo + tuple(
            replace(s.stop, id=_copy_id(sid, c), windows=windows[sid], required_collectors=1,
                    allowed_collector_ids=frozenset({c}))
            for sid, s in shared.items() if sid not in excluded for c in s.pair)
        plan = solve(replace(problem, stops=stops), provider,
                     _share(budget, began))
        runtime, iterations = runtime + plan.runtime_s, iterations + plan.iterations
        starts = {v.stop_id: v.start_s for r in plan.routes for v in r.visits}
        repaired, last = False, round_no >= max_rounds or _nearly_spent(budget, began)
        to_fix: dict[tuple[str, str], tuple[int, str]] = {}  # pair -> earliest unmet visit
        for sid, s in shared.items():
            if sid in excluded:
                continue
            got = [starts.get(_copy_id(sid, c)) for c in s.pair]
            if None not in got and max(got) - min(got) <= tolerance_s:
                continue  # met in time
            if got == [None, None]:
                continue  # dropped on both routes: nothing to align
            repaired = True
            if sid in fixed or last:
                excluded.add(sid)  # cannot be met: drop it on both routes
                continue
            later = max(t for t in got if t is not None)
            if s.pair not in to_fix or later < to_fix[s.pair][0]:
                to_fix[s.pair] = (later, sid)
        # One meeting per pair per round: two fixed in the same round from the same plan can
        # fall on overlapping times neither collector can serve both of (a two-visit day then
        # dropped both); the next round places the others around the fixed one.
        for later, sid in to_fix.values():
            windows[sid] = _meeting(shared[sid].stop, later, tolerance_s)
            fixed.add(sid)
        if not repaired:
            return _merged(plan, shared, excluded, runtime, int(iterations))
    raise AssertionError("unreachable: every round after max_rounds drops an unmet visit")


def _meeting(stop: Stop, t: int, tolerance_s: int) -> tuple[tuple[int, int], ...]:
    """The window [t, t + tolerance] clipped to the legal window holding t."""
    for early, late in stop.windows or ((0, 10**9),):
        if early <= t <= late:
            return ((t, min(late, t + tolerance_s)),)
    return ((t, t + tolerance_s),)


def _nearly_spent(budget: Budget, began: float) -> bool:
    """Under a fifth of the runtime left: the next round is the last (unmet visits dropped),
    so the call ends near its cap (each round costs a model build and a first local search
    beyond its share, ~1 s on a loaded box at 330 visits: a 30 s cap had run 39 s)."""
    if budget.max_runtime_s is None:
        return False
    return time.perf_counter() - began > 0.8 * budget.max_runtime_s


def _share(budget: Budget, began: float) -> Budget:
    """Half the runtime left: most days settle in two or three rounds, so the first rounds get
    the most (an even split over all possible rounds gave the first one a seventh)."""
    if budget.max_runtime_s is None:
        return budget
    left = budget.max_runtime_s - (time.perf_counter() - began)
    return replace(budget, max_runtime_s=max(left / 2, 0.01))


def _merged(plan: Plan, shared: dict, excluded: set[str], runtime: float,
            iterations: int) -> Plan:
    """Copies renamed back to their visit; a shared visit dropped once, with its reason."""
    def back(stop_id: str) -> str:
        return stop_id.rsplit("@", 1)[0] if "@" in stop_id else stop_id

    routes = tuple(replace(r, visits=tuple(replace(v, stop_id=back(v.stop_id))
                                           for v in r.visits)) for r in plan.routes)
    dropped, seen = [], set()
    for d in plan.dropped:
        sid = back(d.stop_id)
        if sid in shared:
            if sid in seen:
                continue
            seen.add(sid)
        dropped.append(replace(d, stop_id=sid))
    dropped += [DroppedStop(sid, shared[sid].stop.mandatory, NO_MEETING)
                for sid in sorted(excluded) if sid not in seen]
    return replace(plan, routes=routes, dropped=tuple(dropped), runtime_s=runtime,
                   iterations=iterations)
