"""Test helpers: seeded random days and an exact, independent single-collector evaluator."""

from __future__ import annotations

import random

import numpy as np

from server.routing.solver import Collector, Point, Stop

PEOPLES_SQUARE = Point(31.2304, 121.4737)
H = 3600


def random_day(seed: int, n_stops: int, *, spread_deg: float = 0.03) -> tuple[Collector, list]:
    """One collector from People's Square and n stops with windows, some mandatory."""
    rng = random.Random(seed)
    collector = Collector("c1", PEOPLES_SQUARE, 8 * H, 18 * H)
    stops = []
    for i in range(n_stops):
        loc = Point(
            PEOPLES_SQUARE.lat + rng.uniform(-spread_deg, spread_deg),
            PEOPLES_SQUARE.lng + rng.uniform(-spread_deg, spread_deg),
        )
        windows = []
        for _ in range(rng.choice((1, 1, 2))):
            early = rng.randrange(8 * H, 16 * H, 900)
            windows.append((early, early + rng.randrange(H, 4 * H, 900)))
        stops.append(
            Stop(
                f"s{i}",
                loc,
                service_s=rng.randrange(600, 1800, 300),
                windows=tuple(windows),
                mandatory=rng.random() < 0.3,
                prize=rng.randrange(500, 9000, 100),
            )
        )
    return collector, stops


def exact_optimum(
    collector: Collector, stops: list, dist: np.ndarray, dur: np.ndarray
) -> tuple[int, tuple[int, ...]] | None:
    """Best (distance - optional prizes, order) by DP over subsets with Pareto labels.

    Location 0 is the collector's start/end; stop i is location i + 1. A label is
    (distance, service end time); a label is kept unless another at the same (set, last)
    is no worse in both, so the DP is exact even with windows and waiting.
    """
    n = len(stops)
    labels: dict[tuple[int, int], list[tuple[int, int, tuple[int, ...]]]] = {}

    def start_time(j: int, arrive: int) -> int | None:
        starts = [max(arrive, e) for e, late in stops[j].windows if max(arrive, e) <= late]
        return min(starts) if starts else None

    def add(key: tuple[int, int], label: tuple[int, int, tuple[int, ...]]) -> None:
        current = labels.setdefault(key, [])
        if any(d <= label[0] and t <= label[1] for d, t, _ in current):
            return
        current[:] = [x for x in current if not (label[0] <= x[0] and label[1] <= x[1])]
        current.append(label)

    for j in range(n):
        s = start_time(j, collector.shift_start_s + int(dur[0, j + 1]))
        if s is not None:
            add((1 << j, j), (int(dist[0, j + 1]), s + stops[j].service_s, (j,)))
    for mask in range(1, 1 << n):
        for last in range(n):
            for d, t, order in labels.get((mask, last), []):
                for j in range(n):
                    if mask & (1 << j):
                        continue
                    s = start_time(j, t + int(dur[last + 1, j + 1]))
                    if s is not None:
                        label = (d + int(dist[last + 1, j + 1]), s + stops[j].service_s)
                        add((mask | 1 << j, j), (*label, (*order, j)))

    mandatory = sum(1 << j for j, s in enumerate(stops) if s.mandatory)
    best = (0, ()) if mandatory == 0 else None
    for (mask, last), items in labels.items():
        if mask & mandatory != mandatory:
            continue
        prizes = sum(s.prize for j, s in enumerate(stops) if mask >> j & 1 and not s.mandatory)
        for d, t, order in items:
            if t + dur[last + 1, 0] <= collector.shift_end_s:
                cost = d + int(dist[last + 1, 0]) - prizes
                if best is None or cost < best[0]:
                    best = (cost, order)
    return best
