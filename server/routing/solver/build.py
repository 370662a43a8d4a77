"""Turn a Problem plus matrices into PyVRP ProblemData (matrices passed whole, as arrays)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType
from pyvrp.constants import MAX_VALUE

from .matrix import MatrixProvider
from .model import DAY_S, Collector, Problem, Stop
from .plan import NO_ELIGIBLE_COLLECTOR, NO_FEASIBLE_WINDOW, DroppedStop
from .windows import usable_windows

# Travel time of a forbidden edge: longer than any day, so a route using it is never feasible.
UNREACHABLE_S = 10 * DAY_S


@dataclass(frozen=True)
class Prepared:
    """A problem with its matrices, the stops worth modelling and those impossible up front."""

    problem: Problem
    points: np.ndarray  # [lat, lng]: depots first, then one row per kept stop
    depot_of: dict  # Point -> depot index
    distance: np.ndarray
    duration: np.ndarray
    stops: tuple[Stop, ...]  # kept stops, stop i at location num_depots + i
    windows: tuple[tuple[tuple[int, int], ...], ...]  # usable windows per kept stop
    dropped: tuple[DroppedStop, ...]
    fallback_pairs: int = 0  # matrix cells the provider estimated by straight line


@dataclass(frozen=True)
class Built:
    """ProblemData and the index maps back to domain objects."""

    data: ProblemData
    client_stop: tuple[int, ...]  # PyVRP client index -> kept stop index
    client_window: tuple[tuple[int, int], ...]
    type_collectors: tuple[tuple[Collector, ...], ...]  # vehicle type index -> its collectors
    optional_below: int  # a client whose prize is below this is an optional stop


def prepare(problem: Problem, provider: MatrixProvider) -> Prepared:
    """Compute one matrix for depots and stops, then drop stops no collector could serve."""
    depot_of: dict = {}
    for c in problem.collectors:
        for p in (c.start, c.end_point):
            depot_of.setdefault(p, len(depot_of))
    locs = list(depot_of) + [s.location for s in problem.stops]
    points = np.array([[p.lat, p.lng] for p in locs], dtype=np.float64)
    dist, dur = provider.matrices(points)
    fallback_pairs = int(getattr(provider, "fallback_pairs", 0))  # OSRM gaps and outages

    cols = problem.collectors
    start = np.array([depot_of[c.start] for c in cols])
    end = np.array([depot_of[c.end_point] for c in cols])
    shift_start = np.array([c.shift_start_s for c in cols], dtype=np.int64)
    shift_end = np.array([c.shift_end_s for c in cols], dtype=np.int64)
    cap = np.array([c.max_duration_s or MAX_VALUE for c in cols], dtype=np.int64)

    kept, kept_windows, dropped = [], [], []
    for i, stop in enumerate(problem.stops):
        loc = len(depot_of) + i
        ok = np.array([stop.can_be_served_by(c) for c in cols])
        if not ok.any():
            dropped.append(DroppedStop(stop.id, stop.mandatory, NO_ELIGIBLE_COLLECTOR))
            continue
        wins = usable_windows(
            stop, shift_start[ok], shift_end[ok], cap[ok], dur[start[ok], loc], dur[loc, end[ok]]
        )
        if not wins:
            dropped.append(DroppedStop(stop.id, stop.mandatory, NO_FEASIBLE_WINDOW))
            continue
        kept.append(i)
        kept_windows.append(tuple(wins))

    # Keep only depots and modelled stops so the solver's matrices stay as small as possible.
    idx = np.concatenate([np.arange(len(depot_of)), len(depot_of) + np.array(kept, dtype=int)])
    sub = np.ix_(idx, idx)
    return Prepared(
        problem=problem,
        points=points[idx],
        depot_of=depot_of,
        distance=dist[sub],
        duration=dur[sub],
        stops=tuple(problem.stops[i] for i in kept),
        windows=tuple(kept_windows),
        dropped=tuple(dropped),
        fallback_pairs=fallback_pairs,
    )


def tier_prizes(prep: Prepared) -> tuple[int, int]:
    """Prizes of an assigned and of a mandatory stop, each worth more than all below it.

    An assigned stop is worth more than every optional prize and any travel together, so the
    search serves every one that fits the day; a mandatory stop is worth more than all the
    assigned ones together. Only optional stops weigh their prize against the detour.
    """
    problem, n = prep.problem, len(prep.stops)
    edge = int(prep.distance.max(initial=0)) * problem.cost_per_metre
    edge += int(prep.duration.max(initial=0)) * problem.cost_per_second
    shifts = sum(c.shift_end_s - c.shift_start_s for c in problem.collectors)
    travel = edge * (n + len(problem.collectors) + 1) + shifts * problem.cost_per_second
    assigned = sum(s.prize for s in prep.stops) + travel + 1
    return assigned, assigned * (n + 1)


def build(prep: Prepared) -> Built:
    """Build ProblemData: every stop is a prize client, its tier decides how much it is worth.

    Mandatory stops are not PyVRP's required clients: a day whose mandatory stops cannot all
    fit would be infeasible and the search would need a second run; as overwhelming prizes one
    run gives the best day plus the list of mandatory visits to reschedule.
    """
    n_depots = len(prep.depot_of)
    locations = [Location(x=float(lng), y=float(lat)) for lat, lng in prep.points]
    depots = [Depot(location=k) for k in range(n_depots)]
    assigned_prize, mandatory_prize = tier_prizes(prep)

    clients, groups, client_stop, client_window = [], [], [], []
    for i, (stop, wins) in enumerate(zip(prep.stops, prep.windows, strict=True)):
        prize = stop.prize
        if stop.mandatory:
            prize += mandatory_prize
        elif stop.assigned:
            prize += assigned_prize
        # One client per window, same location; a mutually exclusive group picks one window.
        grouped = len(wins) > 1
        if grouped:
            groups.append(ClientGroup(required=False, name=stop.id))
        for early, late in wins:
            clients.append(
                Client(
                    location=n_depots + i,
                    service_duration=stop.service_s,
                    tw_early=early,
                    tw_late=late,
                    prize=prize,
                    required=False,
                    group=len(groups) - 1 if grouped else None,
                    name=stop.id,
                )
            )
            client_stop.append(i)
            client_window.append((early, late))
    for c, group_idx in enumerate(cl.group for cl in clients):
        if group_idx is not None:
            groups[group_idx].add_client(c)

    profiles, vehicle_types, type_collectors = _profiles(prep)
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[d for d, _ in profiles],
        duration_matrices=[t for _, t in profiles],
        groups=groups,
    )
    return Built(data, tuple(client_stop), tuple(client_window), type_collectors,
                 optional_below=assigned_prize)


def _profiles(
    prep: Prepared,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[VehicleType], tuple[tuple, ...]]:
    """One routing profile per set of stops a collector may not serve, and one vehicle type
    per group of interchangeable collectors (with the collectors of each type)."""
    n_depots, problem = len(prep.depot_of), prep.problem
    # PyVRP 0.14 has no per-client vehicle list, so a stop a collector may not serve is made
    # unreachable in that collector's profile; collectors with the same exclusions share one.
    profile_of: dict[frozenset[int], int] = {}
    profiles: list[tuple[np.ndarray, np.ndarray]] = []
    types: dict[tuple, list[Collector]] = {}
    for c in problem.collectors:
        banned = frozenset(
            n_depots + i for i, s in enumerate(prep.stops) if not s.can_be_served_by(c)
        )
        if banned not in profile_of:
            profile_of[banned] = len(profiles)
            profiles.append(_banned_matrices(prep, banned))
        # Collectors alike in everything PyVRP sees share one type of several vehicles: one
        # type per collector made each iteration ~1.5x slower on a 25-collector day.
        key = (prep.depot_of[c.start], prep.depot_of[c.end_point], c.shift_start_s,
               c.shift_end_s, c.max_duration_s, profile_of[banned])
        types.setdefault(key, []).append(c)
    vehicle_types = [
        VehicleType(
            num_available=len(members),
            start_depot=start,
            end_depot=end,
            tw_early=early,
            tw_late=late,
            shift_duration=cap if cap is not None else MAX_VALUE,
            unit_distance_cost=problem.cost_per_metre,
            unit_duration_cost=problem.cost_per_second,
            profile=profile,
            name=",".join(m.id for m in members),
        )
        for (start, end, early, late, cap, profile), members in types.items()
    ]
    return profiles, vehicle_types, tuple(tuple(members) for members in types.values())


def _banned_matrices(prep: Prepared, banned: frozenset[int]) -> tuple[np.ndarray, np.ndarray]:
    """The base matrices with every edge into or out of a banned location set prohibitive."""
    if not banned:
        return prep.distance, prep.duration
    rows = np.fromiter(banned, dtype=int)
    dist, dur = prep.distance.copy(), prep.duration.copy()
    # Large but finite: PyVRP's MAX_VALUE times a grown penalty overflows int64 cost sums, and
    # the search then cycles far past its runtime budget (a 5 s cap ran > 12 minutes).
    far_m = int(prep.distance.max(initial=0)) * (len(prep.distance) + 1) + 1
    for m, far in ((dist, far_m), (dur, UNREACHABLE_S)):
        m[rows, :] = far
        m[:, rows] = far
        m[rows, rows] = 0
    return dist, dur
