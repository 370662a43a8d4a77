"""Auto-assignment as a pure computation: who takes which visit, and why some are left out.

Greedy and deterministic. Visits are taken in priority order; each goes to the unit (one
collector, or a fixed pair where two are needed) with the lowest cost, where
    cost = mean distance from the members' bases (km) + balance_km x the busiest member's load,
and load is the share of the daily capacity used (balance "count") or of a fair share of the
day's outstanding amount (balance "amount"). Pairs are fixed for the day: the two collectors
with the closest bases are paired first, then the next two, and so on (ties by id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from server.addresses.geo.coords import haversine_m as great_circle_m
from server.routing.solver.matrix import haversine_m

NO_CAPACITY = "no capacity"
NO_PAIR = "no collector pair available"


@dataclass(frozen=True)
class Job:
    """A visit to place: where, how many collectors, how much money, in which order."""

    visit_id: str
    case_id: str
    lat: float
    lng: float
    need: int
    amount: float
    sort_key: tuple


@dataclass
class Crew:
    """A collector as the planner sees them: base, capacity left, what they carry already."""

    id: str
    lat: float | None
    lng: float | None
    capacity: int
    count: int = 0
    amount: float = 0.0

    @property
    def free(self) -> int:
        return self.capacity - self.count


@dataclass(frozen=True)
class Placed:
    visit_id: str
    collector_ids: tuple[str, ...]
    distance_km: float


@dataclass(frozen=True)
class Left:
    visit_id: str
    case_id: str
    reason: str


@dataclass
class Plan:
    placed: list[Placed] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _base(c: Crew, fallback: tuple[float, float] | None) -> tuple[float, float] | None:
    return (c.lat, c.lng) if c.lat is not None and c.lng is not None else fallback


def pair_up(crew: Sequence[Crew], fallback=None) -> list[tuple[str, str]]:
    """A stable pairing: closest bases first (unknown bases last), ties by ids."""
    def gap(a: Crew, b: Crew) -> float:
        pa, pb = _base(a, fallback), _base(b, fallback)
        return great_circle_m(*pa, *pb) / 1000 if pa and pb else float("inf")

    ranked = sorted((gap(a, b), *sorted((a.id, b.id))) for a, b in combinations(crew, 2))
    taken: set[str] = set()
    pairs = []
    for _, a, b in ranked:
        if a not in taken and b not in taken:
            pairs.append((a, b))
            taken |= {a, b}
    return pairs


def plan(jobs: Sequence[Job], crew: Sequence[Crew], balance: str = "count",
         balance_km: float = 10.0, fallback_base: tuple[float, float] | None = None) -> Plan:
    """Place every job it can; say why each other job was left out."""
    out = Plan(pairs=pair_up([c for c in crew if c.free > 0], fallback_base))
    by_id = {c.id: c for c in crew}
    ordered = sorted(jobs, key=lambda j: j.sort_key)
    fair = (sum(c.amount for c in crew) + sum(j.amount for j in jobs)) / max(len(crew), 1) or 1.0
    dist = _distances(ordered, crew, fallback_base)
    index = {c.id: i for i, c in enumerate(crew)}

    def load(c: Crew) -> float:
        return c.count / max(c.capacity, 1) if balance == "count" else c.amount / fair

    # Units with room left, in the order they are tried (a full unit is dropped once, not
    # skipped for every later job).
    singles = [(c.id,) for c in crew if c.free > 0]
    pairs = [p for p in out.pairs if all(by_id[m].free > 0 for m in p)]
    for row, job in enumerate(ordered):
        units = singles if job.need == 1 else pairs if job.need == 2 else []
        best = None
        for unit in units:
            members = [by_id[m] for m in unit]
            km = sum(dist[row, index[m.id]] for m in members) / len(members)
            cost = km + balance_km * max(load(m) for m in members)
            lead_first = tuple(sorted(unit, key=lambda m: (dist[row, index[m]], m)))
            if best is None or (cost, lead_first) < (best[0], best[1]):
                best = (cost, lead_first, km)
        if best is None:
            out.left.append(Left(job.visit_id, job.case_id, _why(job, bool(singles))))
            continue
        for m in best[1]:
            by_id[m].count += 1
            by_id[m].amount += job.amount
        if any(by_id[m].free <= 0 for m in best[1]):
            singles = [u for u in singles if by_id[u[0]].free > 0]
            pairs = [p for p in pairs if all(by_id[m].free > 0 for m in p)]
        out.placed.append(Placed(job.visit_id, best[1], round(float(best[2]), 2)))
    return out


def _why(job: Job, anyone_free: bool) -> str:
    if job.need > 2:
        return f"needs {job.need} collectors; assign by hand"
    if job.need == 2 and anyone_free:
        return NO_PAIR
    return NO_CAPACITY


def _distances(jobs: Sequence[Job], crew: Sequence[Crew], fallback) -> np.ndarray:
    """Job x collector distances (km); a collector without any base counts as 0 km away."""
    if not jobs or not crew:
        return np.zeros((len(jobs), len(crew)))
    bases = [_base(c, fallback) for c in crew]
    known = np.array([b is not None for b in bases])
    points = np.array([b if b else (0.0, 0.0) for b in bases])
    km = haversine_m(np.array([(j.lat, j.lng) for j in jobs]), points) / 1000
    return np.where(known, km, 0.0)
