"""Routing benchmarks: Solomon gaps, time to optimum, matrix speed, a 2,000-visit team day.

Run `python -m bench.routing [--quick] [--jobs N]`; prints markdown tables.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from server.routing.solver import Budget, Collector, HaversineProvider, Point, Problem, Stop, solve
from server.routing.solver.benchmarks import instance_names, load, solomon_class, solve_instance
from server.routing.solver.matrix import EARTH_RADIUS_M

H = 3600
QUICK_SOLOMON = ("C101", "C201", "R101", "R201", "RC101", "RC201")


def _solomon_one(args: tuple[str, float]) -> tuple[str, float, float, bool]:
    """Worker: gap to BKS of one instance at one time limit."""
    name, limit = args
    out = solve_instance(load(name), Budget(max_runtime_s=limit, seed=0))
    return name, limit, out.gap_pct, out.feasible


def bench_solomon(names: list[str], limits: tuple[float, ...], jobs: int) -> None:
    """Mean gap to best-known per Solomon class and time limit."""
    tasks = [(n, t) for t in limits for n in names]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(_solomon_one, tasks))
    gaps: dict[tuple[str, float], list[float]] = {}
    infeasible = 0
    for name, limit, gap, feasible in results:
        gaps.setdefault((solomon_class(name), limit), []).append(gap)
        gaps.setdefault(("all", limit), []).append(gap)
        infeasible += not feasible
    print(f"\n### Solomon VRPTW: mean gap to BKS ({len(names)} instances, {jobs} in parallel)\n")
    print("| class | n | " + " | ".join(f"gap @ {t:g} s" for t in limits) + " |")
    print("|---|---|" + "---|" * len(limits))
    for cls in [*sorted({c for c, _ in gaps} - {"all"}), "all"]:
        row = [f"{statistics.mean(gaps[(cls, t)]):.2f} %" for t in limits]
        print(f"| {cls} | {len(gaps[(cls, limits[0])])} | " + " | ".join(row) + " |")
    worst = max(results, key=lambda r: r[2])
    print(f"\nworst: {worst[0]} {worst[2]:.2f} % at {worst[1]:g} s; infeasible runs: {infeasible}")


def _day(seed: int, n: int) -> Problem:
    """A single collector with n stops within ~4 km, windows, a third of them mandatory."""
    rng = random.Random(seed)
    home = Point(31.2304, 121.4737)
    stops = []
    for i in range(n):
        early = rng.randrange(9 * H, 16 * H, 900)
        stops.append(
            Stop(
                f"s{i}",
                Point(home.lat + rng.uniform(-0.03, 0.03), home.lng + rng.uniform(-0.03, 0.03)),
                service_s=rng.randrange(300, 900, 60),
                windows=((early, early + rng.randrange(2 * H, 5 * H, 900)),),
                mandatory=i % 3 == 0,
                prize=rng.randrange(1_000, 15_000, 100),
            )
        )
    return Problem((Collector("c", home, 8 * H, 20 * H),), tuple(stops))


def bench_time_to_optimum(days: int, reference_iters: int) -> None:
    """Smallest doubling iteration budget whose plan matches the best of long runs, and its time."""
    print(f"\n### 40-stop single-collector days ({days} days)\n")
    print("| day | reference objective | iterations to reach it | seconds | plan visits |")
    print("|---|---|---|---|---|")
    times = []
    for seed in range(days):
        problem = _day(seed, 40)
        # "Optimal" here = best of three long, differently seeded runs (no proof at 40 stops).
        ref = min(
            solve(problem, budget=Budget(max_iterations=reference_iters, seed=s)).objective
            for s in (0, 1, 2)
        )
        iters = 100
        while True:
            plan = solve(problem, budget=Budget(max_iterations=iters, seed=0))
            if plan.objective <= ref or iters >= reference_iters:
                break
            iters *= 2
        reached = plan.objective <= ref
        if reached:
            times.append(plan.runtime_s)
        visits = sum(len(r.visits) for r in plan.routes)
        it_txt = str(iters) if reached else f"not within {iters}"
        print(f"| {seed} | {ref} | {it_txt} | {plan.runtime_s:.2f} | {visits} |")
    median = f"{statistics.median(times):.2f} s" if times else "n/a"
    print(f"\nreached on {len(times)}/{days} days; median time when reached: {median}")


def _naive_matrix(points: np.ndarray, detour: float, speed_ms: float) -> tuple[list, list]:
    """Per-pair Python loop haversine (distance and duration): the vectorised code's baseline."""
    n = len(points)
    dist = [[0] * n for _ in range(n)]
    dur = [[0] * n for _ in range(n)]
    rad = [(math.radians(a), math.radians(b)) for a, b in points]
    for i in range(n):
        la1, ln1 = rad[i]
        for j in range(n):
            la2, ln2 = rad[j]
            h = (
                math.sin((la2 - la1) / 2) ** 2
                + math.cos(la1) * math.cos(la2) * math.sin((ln2 - ln1) / 2) ** 2
            )
            d = 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h)) * detour
            dist[i][j], dur[i][j] = round(d), round(d / speed_ms)
    return dist, dur


def _shanghai(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random [lat, lng] points over central Shanghai."""
    return np.column_stack([rng.uniform(31.10, 31.35, n), rng.uniform(121.30, 121.65, n)])


def bench_matrix(sizes: tuple[int, ...]) -> None:
    """Haversine matrix time, vectorised vs a Python loop, on the same points."""
    print("\n### Haversine matrix (distance + duration)\n")
    print("| points | vectorised (s) | Python loop (s) | speed-up | max abs diff (m) |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    provider = HaversineProvider()
    for n in sizes:
        pts = _shanghai(rng, n)
        t0 = time.perf_counter()
        dist, _ = provider.matrices(pts)
        vec = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive, _ = _naive_matrix(pts, provider.detour_factor, provider.speed_kmh / 3.6)
        loop = time.perf_counter() - t0
        diff = float(np.abs(dist - np.array(naive)).max())
        print(f"| {n} | {vec:.4f} | {loop:.3f} | {loop / vec:.0f}x | {diff:.0f} |")


def team_day(n_collectors: int, n_pairs: int, n_visits: int, seed: int = 0) -> Problem:
    """A synthetic Shanghai team day: homes spread out, appointments, two-person visits."""
    rng = np.random.default_rng(seed)
    homes = _shanghai(rng, n_collectors - n_pairs)
    collectors = [
        Collector(f"c{i}", Point(*homes[i]), 9 * H, 18 * H, crew_size=2 if i < n_pairs else 1)
        for i in range(n_collectors - n_pairs)  # a pair is two collectors, one route
    ]
    spots = _shanghai(rng, n_visits)
    stops = []
    for i in range(n_visits):
        kind = rng.random()
        if kind < 0.10:  # appointment: one hour, must happen
            early = int(rng.integers(9, 17)) * H
            windows, mandatory = ((early, early + H),), True
        else:  # quiet hours already applied: daytime, sometimes split around lunch
            windows = ((9 * H, 12 * H), (14 * H, 18 * H)) if kind < 0.4 else ((9 * H, 18 * H),)
            mandatory = False
        stops.append(
            Stop(
                f"v{i}",
                Point(*spots[i]),
                service_s=1200,
                windows=windows,
                mandatory=mandatory,
                prize=int(rng.integers(2_000, 20_000)),
                required_collectors=2 if rng.random() < 0.05 else 1,
            )
        )
    return Problem(tuple(collectors), tuple(stops))


def bench_team_day(runtime_s: float) -> None:
    """Plan a 100-collector, 2,000-visit day and report size, time and outcome."""
    n_people, n_pairs = 100, 5
    t0 = time.perf_counter()
    problem = team_day(n_people, n_pairs, 2000)
    plan = solve(problem, budget=Budget(max_runtime_s=runtime_s, seed=0))
    wall = time.perf_counter() - t0
    planned = sum(len(r.visits) for r in plan.routes)
    reasons = Counter(d.reason for d in plan.dropped)
    mandatory = sum(s.mandatory for s in problem.stops)
    pair_ids = {c.id for c in problem.collectors if c.crew_size == 2}
    need_two = {s.id for s in problem.stops if s.required_collectors == 2}
    misplaced = sum(
        v.stop_id in need_two
        for r in plan.routes
        if r.collector_id not in pair_ids
        for v in r.visits
    )
    print(f"\n### Team day: {n_people} collectors ({n_pairs} pairs), 2,000 visits, Shanghai\n")
    print("| metric | value |\n|---|---|")
    rows = [
        ("solver time limit", f"{runtime_s:g} s"),
        ("wall time (matrix + build + solve)", f"{wall:.1f} s"),
        ("iterations", plan.iterations),
        ("routes used", len(plan.routes)),
        ("visits planned", planned),
        ("mandatory planned", f"{mandatory - sum(d.mandatory for d in plan.dropped)}/{mandatory}"),
        ("two-person visits on single routes", misplaced),
        ("visits per route (mean)", f"{planned / max(1, len(plan.routes)):.1f}"),
        ("total distance", f"{plan.distance_m / 1000:,.0f} km"),
    ]
    rows += [(f"dropped: {reason}", count) for reason, count in sorted(reasons.items())]
    for key, value in rows:
        print(f"| {key} | {value} |")


def main() -> None:
    """Run every routing benchmark and print the figures as markdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="subset, shorter budgets")
    parser.add_argument("--jobs", type=int, default=2, help="parallel Solomon solves")
    args = parser.parse_args()
    names = list(QUICK_SOLOMON) if args.quick else instance_names("solomon")
    print(f"# Routing benchmarks ({'quick' if args.quick else 'full'})")
    bench_matrix((200, 2000))
    bench_solomon(names, (2.0, 10.0), args.jobs)
    bench_time_to_optimum(
        days=2 if args.quick else 4,
        reference_iters=2_000 if args.quick else 6_000,
    )
    bench_team_day(20.0 if args.quick else 60.0)


if __name__ == "__main__":
    main()
