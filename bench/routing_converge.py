"""Stop when converged, and the domain model's cost per iteration, each beside PyVRP's own run.

Run `python -m bench.routing_converge [--days N]`; prints markdown tables (docs/benchmarks.md).

- Early stop: days of 10-40 stops; the reference is the best of three 6,000-iteration runs.
  "ours" is `solve()` with the planner's budget (2,000 iterations, stop after
  ROUTING_STALL_ITERATIONS without improvement); "PyVRP" is `pyvrp.solve` on the very same
  ProblemData with the old fixed 2,000 iterations. The gap is the extra cost over the
  reference, as a share of the reference's travel.
- Per iteration: a 25-collector, 200-stop day; `solve()` (matrices, model, read-back included)
  against `pyvrp.solve` on the same data, and against the old model (one vehicle type per
  collector).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import pyvrp
from pyvrp.stop import MaxIterations

from bench.routing import H, _day
from server.routing.solver import Budget, Collector, HaversineProvider, Point, Problem, Stop, solve
from server.routing.solver.build import build, prepare
from server.routing.solver.search import run

STALL = 250  # the planner's default (ROUTING_STALL_ITERATIONS)
ITERS = 2_000


def _cost(data: pyvrp.ProblemData, budget: Budget) -> tuple[float, float, float]:
    """PyVRP cost, travel and seconds of one run on ready-made data."""
    began = time.perf_counter()
    best = run(data, budget).best
    return float(best.distance_cost() + best.duration_cost() + best.uncollected_prizes()), \
        float(best.distance()), time.perf_counter() - began


def _pyvrp_own(data: pyvrp.ProblemData) -> tuple[float, float]:
    began = time.perf_counter()
    best = pyvrp.solve(data, MaxIterations(ITERS), seed=0, collect_stats=False).best
    cost = float(best.distance_cost() + best.duration_cost() + best.uncollected_prizes())
    return cost, time.perf_counter() - began


def bench_early_stop(days: int, sizes: tuple[int, ...], stall: int = STALL) -> None:
    print(f"\n### Stop when converged ({days} days per size; stall = {stall} iterations)\n")
    print("| stops | ours: median time | ours: mean / max gap | PyVRP 2,000 it: median time "
          "| PyVRP: mean / max gap |")
    print("|---|---|---|---|---|")
    for n in sizes:
        ours_t, ours_g, own_t, own_g = [], [], [], []
        for seed in range(days):
            problem = _day(1000 * n + seed, n)
            data = build(prepare(problem, HaversineProvider())).data
            refs = [_cost(data, Budget(max_iterations=6_000, seed=s)) for s in (0, 1, 2)]
            ref_cost, ref_travel, _ = min(refs)
            began = time.perf_counter()
            plan = solve(problem, budget=Budget(ITERS, 5.0, seed=0, stall_iterations=stall))
            ours_t.append(time.perf_counter() - began)
            cost, _, _ = _cost(data, Budget(plan.iterations, seed=0))  # same run, its cost
            ours_g.append(100 * (cost - ref_cost) / ref_travel)
            own_cost, own_s = _pyvrp_own(data)
            own_t.append(own_s)
            own_g.append(100 * (own_cost - ref_cost) / ref_travel)
        print(f"| {n} | {1000 * statistics.median(ours_t):.0f} ms | "
              f"{statistics.mean(ours_g):.2f} / {max(ours_g):.2f} % | "
              f"{1000 * statistics.median(own_t):.0f} ms | "
              f"{statistics.mean(own_g):.2f} / {max(own_g):.2f} % |")


def _team_day(seed: int, collectors: int, n: int) -> Problem:
    rng = random.Random(seed)
    office = Point(31.2304, 121.4737)
    crew = tuple(Collector(f"c{k}", office, 8 * H, 18 * H) for k in range(collectors))
    stops = tuple(Stop(f"s{i}", Point(office.lat + rng.uniform(-0.05, 0.05),
                                      office.lng + rng.uniform(-0.05, 0.05)),
                       service_s=900, prize=rng.randrange(2_000, 20_000), assigned=i % 2 == 0)
                  for i in range(n))
    return Problem(crew, stops)


def bench_per_iteration(iterations: int) -> None:
    problem = _team_day(7, 25, 200)
    data = build(prepare(problem, HaversineProvider())).data
    one_each = data.replace(vehicle_types=[
        vt.replace(num_available=1, name=f"c{k}")
        for vt in data.vehicle_types() for k in range(vt.num_available)])
    rows = []
    began = time.perf_counter()
    plan = solve(problem, budget=Budget(max_iterations=iterations, seed=0))
    rows.append(("solve() (domain model, matrices and read-back included)",
                 time.perf_counter() - began, plan.iterations))
    for label, d in (("pyvrp.solve, same data", data),
                     ("pyvrp.solve, old model: 25 types of one vehicle", one_each)):
        began = time.perf_counter()
        res = pyvrp.solve(d, MaxIterations(iterations), seed=0, collect_stats=False)
        rows.append((label, time.perf_counter() - began, res.num_iterations))
    base = rows[1][1] / rows[1][2]
    print(f"\n### Per iteration: 25 collectors, 200 stops, {iterations} iterations\n")
    print("| run | ms / iteration | x PyVRP |")
    print("|---|---|---|")
    for label, seconds, iters in rows:
        per = seconds / iters
        print(f"| {label} | {1000 * per:.2f} | {per / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--stall", type=int, default=STALL)
    parser.add_argument("--sizes", default="10,15,20,40")
    args = parser.parse_args()
    bench_early_stop(args.days, tuple(int(x) for x in args.sizes.split(",")), args.stall)
    bench_per_iteration(args.iterations)


if __name__ == "__main__":
    main()
