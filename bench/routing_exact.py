"""Exact references for team days: the most visits any plan can serve, by dynamic programming.

A benchmark tool, not the planner. For each collector, an exact DP over subsets of the visits
they may serve (earliest finish per (visited set, last visit); waiting is allowed, so earliest
is dominant) gives every set of visits that fits their shift and windows. Combining collectors
over the shared visits (a shared visit counts when both of its collectors include it) gives the
most visits served **without** the meeting-time constraint: synchronising only removes plans,
so this is a proven upper bound on the synchronised optimum. A synchronised plan that reaches
it is optimal; its share of the bound is a lower bound on its share of the optimum.
Exact up to ~20 visits per collector (2^20 states per visit, numpy, a few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from server.routing.solver import HaversineProvider, MatrixProvider, Problem
from server.routing.solver.model import DAY_S, Collector, Stop
from server.routing.solver.sync import shared_stops
from server.routing.solver.windows import merge

INF = 2**30  # int32 "never": above any time of day even after adding a day's travel
MAX_VISITS = 22


@dataclass(frozen=True)
class Bound:
    """The most visits served without synchronisation (an upper bound on the synchronised
    optimum), and per group of collectors linked by shared visits."""

    visits: int
    per_group: tuple[int, ...]


def groups(problem: Problem) -> list[tuple[str, ...]]:
    """Collector ids in connected groups: two collectors sharing a visit are in one group."""
    parent = {c.id: c.id for c in problem.collectors}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for s in shared_stops(problem):
        a, b = (root(c) for c in s.pair)
        parent[a] = b
    out: dict[str, list[str]] = {}
    for c in problem.collectors:
        out.setdefault(root(c.id), []).append(c.id)
    return [tuple(g) for g in out.values()]


def upper_bound(problem: Problem, provider: MatrixProvider | None = None) -> Bound:
    """Most visits served by the team, each collector only at stops that name them."""
    if any(s.allowed_collector_ids is None for s in problem.stops):
        raise ValueError("every stop must name who may serve it (groups are solved apart)")
    provider = provider or HaversineProvider()
    shared = {s.stop.id for s in shared_stops(problem)}
    per_group = []
    for group in groups(problem):
        best = {c.id: best_by_shared(problem, c, shared, provider) for c in problem.collectors
                if c.id in group}
        mine = sorted({sid for b in best.values() for key in b for sid in key})
        top = 0
        for k in range(len(mine) + 1):
            for chosen in combinations(mine, k):
                total, ok = k, True
                for c in group:
                    key = frozenset(chosen) & _shared_of(problem, c, shared)
                    if key not in best[c]:
                        ok = False
                        break
                    total += best[c][key]
                if ok:
                    top = max(top, total)
        per_group.append(top)
    return Bound(sum(per_group), tuple(per_group))


def _shared_of(problem: Problem, collector_id: str, shared: set[str]) -> frozenset[str]:
    return frozenset(s.id for s in problem.stops
                     if s.id in shared and collector_id in s.allowed_collector_ids)


def best_by_shared(problem: Problem, collector: Collector, shared: set[str],
                   provider: MatrixProvider) -> dict[frozenset[str], int]:
    """For each set of shared visits the collector can fit, the most solo visits beside it."""
    stops = [s for s in problem.stops if collector.id in s.allowed_collector_ids]
    fits = feasible_sets(collector, stops, provider)
    is_shared = np.array([s.id in shared for s in stops])
    shared_bits = int(sum(1 << i for i in np.flatnonzero(is_shared)))
    masks = np.flatnonzero(fits)
    solo_count = _popcount(masks & ~shared_bits)
    keys = masks & shared_bits
    out: dict[frozenset[str], int] = {}
    for key in np.unique(keys):
        ids = frozenset(stops[i].id for i in range(len(stops)) if key >> i & 1)
        out[ids] = int(solo_count[keys == key].max())
    return out


def feasible_sets(collector: Collector, stops: list[Stop], provider: MatrixProvider) -> np.ndarray:
    """Boolean per subset (bit i = stops[i]): can one route serve exactly that set in time."""
    n = len(stops)
    if n > MAX_VISITS:
        raise ValueError(f"{n} visits: the subset DP is exact only up to {MAX_VISITS}")
    if collector.max_duration_s is not None:
        raise ValueError("the DP assumes no cap on time away beyond the shift")
    pts = np.array([[p.lat, p.lng] for p in
                    [collector.start, collector.end_point, *(s.location for s in stops)]])
    _, dur = provider.matrices(pts)
    dur = dur.astype(np.int64)
    serv = np.array([s.service_s for s in stops], dtype=np.int64)
    size = 1 << n
    masks = np.arange(size, dtype=np.int64)
    pop = _popcount(masks)
    dp = np.full((n, size), INF, dtype=np.int32)  # earliest start at the last visit
    for j in range(n):
        dp[j, 1 << j] = _start(stops[j], np.array([collector.shift_start_s + dur[0, 2 + j]]))[0]
    for p in range(2, n + 1):
        layer = masks[pop == p]
        for j in range(n):
            with_j = layer[(layer >> j) & 1 == 1]
            before = with_j ^ (1 << j)
            best = np.full(len(with_j), INF, dtype=np.int64)
            for i in range(n):
                if i != j:
                    best = np.minimum(best, dp[i, before] + (serv[i] + dur[2 + i, 2 + j]))
            dp[j, with_j] = _start(stops[j], best)
    finish = np.full(size, INF, dtype=np.int64)
    for j in range(n):
        finish = np.minimum(finish, dp[j].astype(np.int64) + serv[j] + dur[2 + j, 1])
    fits = finish <= collector.shift_end_s
    fits[0] = True  # staying home always fits
    return fits


def _start(stop: Stop, arrive: np.ndarray) -> np.ndarray:
    """Earliest start of service for each arrival time (INF where no window is left)."""
    start = np.full(len(arrive), INF, dtype=np.int64)
    for early, late in reversed(merge(stop.windows) if stop.windows else [(0, DAY_S)]):
        start = np.where(arrive <= late, np.maximum(arrive, early), start)
    return start


def _popcount(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    out = np.zeros(x.shape, dtype=np.int64)
    while x.any():
        out += x & 1
        x = x >> 1
    return out
