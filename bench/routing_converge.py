"""Stop when converged, and the domain model's cost per iteration, each beside PyVRP's own run.

Run `python -m bench.routing_converge [--days N]`; prints markdown tables (docs/benchmarks.md).

- Early stop: days of 10-40 stops (bench.routing._day). "ours" is `solve()` with the planner's
  budget (2,000 iterations, stop after ROUTING_STALL_PER_STOP x stops x stops / 40 without
  improvement, 50..ROUTING_STALL_ITERATIONS); "PyVRP" is `pyvrp.solve` on the very same
  ProblemData with a fixed 2,000 iterations. The best known is the best of every run made here
  (three 6,000-iteration `pyvrp.solve` runs, seeds 0-2, among them); the gap is the extra cost
  over it as a share of its travel. Times are CPU seconds of this process (the box is shared, wall
  time is printed beside) and iterations, which do not depend on load.
- Time to 0.5 %: the CPU time and iteration at which each search's best plan is first within
  0.5 % of the best known, ours (`search.run` as `solve()` calls it, the prize phase
  included) and `pyvrp.solve`'s own, seeds 0-2, 600 iterations at most. The best known here
  also counts three 3,000-iteration runs of ours: PyVRP's long runs missed plans up to 4.8 %
  cheaper on some days.
- Per iteration: a 25-collector, 200-stop day; `solve()` (matrices, model, read-back included)
  against `pyvrp.solve` on the same data, and against the old model (one vehicle type per
  collector).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import pyvrp
from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks, IteratedLocalSearchParams
from pyvrp.solve import SolveParams
from pyvrp.stop import MaxIterations

from bench.routing import H, _day
from server.routing.solver import Budget, Collector, HaversineProvider, Point, Problem, Stop, solve
from server.routing.solver.build import build, prepare
from server.routing.solver.ils import search
from server.routing.solver.search import run

STALL, PER_STOP = 250, 5  # the planner's defaults (ROUTING_STALL_ITERATIONS, _PER_STOP)
ITERS = 2_000


def _cost(best: pyvrp.Solution) -> float:
    return float(best.distance_cost() + best.duration_cost() + best.uncollected_prizes())


_REFS: dict = {}


def _reference(data: pyvrp.ProblemData, key: tuple[int, int],
               optional_below: int | None = None) -> tuple[float, float]:
    """Best cost and its travel over three long runs of PyVRP's own search and, given the
    optional stops' threshold, three of ours (kept per day)."""
    if key not in _REFS:
        _REFS[key] = _long_runs(data, optional_below)
    return _REFS[key]


def _long_runs(data: pyvrp.ProblemData, optional_below: int | None = None
               ) -> tuple[float, float]:
    runs = [pyvrp.solve(data, MaxIterations(6_000), seed=s, collect_stats=False).best
            for s in (0, 1, 2)]
    if optional_below is not None:  # and ours, as solve() runs it
        runs += [run(data, Budget(max_iterations=3_000, seed=s), optional_below).best
                 for s in (0, 1, 2)]
    best = min(runs, key=_cost)
    return _cost(best), float(best.distance())


class _FirstWithin(IteratedLocalSearchCallbacks):
    """Notes the CPU time and iteration at which the search's best is first within 0.5 %."""

    def __init__(self, ref: float, travel: float):
        self.ref, self.travel = ref, travel
        self.began = time.process_time()
        self.iterations = 0
        self.hit: tuple[int, float] | None = None

    def _check(self, best: pyvrp.Solution) -> None:
        if (self.hit is None and best.is_feasible()
                and _cost(best) - self.ref <= 0.005 * self.travel):
            self.hit = (self.iterations, time.process_time() - self.began)

    def on_start(self, ils) -> None:
        self._check(ils.initial_solution)

    def on_best(self, best) -> None:
        self._check(best)

    def on_iteration(self, current, candidate, best, cost_evaluator) -> None:
        self.iterations += 1


def bench_early_stop(days: int, sizes: tuple[int, ...]) -> None:
    print(f"\n### Stop when converged ({days} days per size; stall {PER_STOP} x stops x "
          f"stops / 40, 50..{STALL})\n")
    print("| stops | ours: CPU ms median / max (wall median) | ours: iterations median / max "
          "| ours: gap mean / max | PyVRP 2,000 it: CPU ms median | PyVRP: gap mean / max |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        cpu, wall, its, gaps, own_cpu, own_gaps = [], [], [], [], [], []
        for seed in range(days):
            problem = _day(1000 * n + seed, n)
            built = build(prepare(problem, HaversineProvider()))
            data = built.data
            ref, travel = _reference(data, (n, seed), built.optional_below)
            c0, w0 = time.process_time(), time.perf_counter()
            plan = solve(problem, budget=Budget(ITERS, 5.0, seed=0, stall_iterations=STALL,
                                                stall_per_stop=PER_STOP))
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            its.append(plan.iterations)
            ours = _cost(run(data, Budget(ITERS, seed=0, stall_iterations=STALL,  # same run
                                          stall_per_stop=PER_STOP), built.optional_below).best)
            c0 = time.process_time()
            own = _cost(pyvrp.solve(data, MaxIterations(ITERS), seed=0,
                                    collect_stats=False).best)
            own_cpu.append(time.process_time() - c0)
            ref = min(ref, ours, own)
            gaps.append(100 * (ours - ref) / travel)
            own_gaps.append(100 * (own - ref) / travel)
        print(f"| {n} | {1000 * statistics.median(cpu):.0f} / {1000 * max(cpu):.0f} "
              f"({1000 * statistics.median(wall):.0f}) | {statistics.median(its):.0f} / "
              f"{max(its)} | {statistics.mean(gaps):.2f} / {max(gaps):.2f} % | "
              f"{1000 * statistics.median(own_cpu):.0f} | "
              f"{statistics.mean(own_gaps):.2f} / {max(own_gaps):.2f} % |")


def bench_time_to_gap(days: int, n: int = 40, iters: int = 600) -> None:
    rows = {"ours (search.run)": [], "ours without the prize phase": [], "pyvrp.solve": []}
    for seed in range(days):
        built = build(prepare(_day(1000 * n + seed, n), HaversineProvider()))
        data = built.data
        ref, travel = _reference(data, (n, seed), built.optional_below)
        for s in (0, 1, 2):
            for label in rows:
                clock = _FirstWithin(ref, travel)
                if label == "pyvrp.solve":
                    own = SolveParams(ils=IteratedLocalSearchParams(callbacks=clock))
                    res = pyvrp.solve(data, MaxIterations(iters), seed=s, collect_stats=False,
                                      params=own)
                else:
                    below = built.optional_below if label == "ours (search.run)" else None
                    res = run(data, Budget(max_iterations=iters, seed=s), below, callbacks=clock)
                    # the prize phase's iterations come first (the callbacks see the second)
                    first = res.num_iterations - clock.iterations
                    if clock.hit is not None:
                        clock.hit = (clock.hit[0] + first, clock.hit[1])
                rows[label].append((clock.hit, 100 * (_cost(res.best) - ref) / travel))
    print(f"\n### {n}-stop days: time to within 0.5 % of the best known ({days} days x seeds "
          f"0-2, at most {iters} iterations)\n")
    print("| search | runs within 0.5 % by 300 ms CPU | by 600 it | iterations to it (median "
          "of those) | CPU ms to it (median) | gap at the end mean / median | by 300 ms, per "
          "day (seeds 0-2) |")
    print("|---|---|---|---|---|---|---|")
    for label, runs in rows.items():
        hit = [h for h, _ in runs if h is not None]
        fast = sum(1 for h in hit if h[1] <= 0.3)
        med_it = f"{statistics.median(h[0] for h in hit):.0f}" if hit else "-"
        med_ms = f"{1000 * statistics.median(h[1] for h in hit):.0f}" if hit else "-"
        print(f"| {label} | {fast}/{len(runs)} | {len(hit)}/{len(runs)} | {med_it} | "
              f"{med_ms} | {statistics.mean(g for _, g in runs):.2f} / "
              f"{statistics.median(g for _, g in runs):.2f} % | {_per_day(runs)} |")


def _per_day(runs) -> str:
    """H where a run was within 0.5 % by 300 ms CPU, . where not; days apart by spaces."""
    marks = "".join("H" if h is not None and h[1] <= 0.3 else "." for h, _ in runs)
    return " ".join(marks[k:k + 3] for k in range(0, len(marks), 3))


def _team_day(seed: int, collectors: int, n: int) -> Problem:
    rng = random.Random(seed)
    office = Point(31.2304, 121.4737)
    crew = tuple(Collector(f"c{k}", office, 8 * H, 18 * H) for k in range(collectors))
    stops = tuple(Stop(f"s{i}", Point(office.lat + rng.uniform(-0.05, 0.05),
                                      office.lng + rng.uniform(-0.05, 0.05)),
                       service_s=900, prize=rng.randrange(2_000, 20_000), assigned=i % 2 == 0)
                  for i in range(n))
    return Problem(crew, stops)


def bench_per_iteration(iterations: int, days: int = 3, repeats: int = 2) -> None:
    """CPU per iteration through solve() and pyvrp.solve on the same data, interleaved.

    Several team days (25 collectors, 200 stops), each run `repeats` times in turn (ours,
    PyVRP, ours, ...) so load swings hit both; medians per day, the ratio's median over days;
    the plans' costs beside, since the penalties make an iteration do different work."""
    print(f"\n### Per iteration: 25 collectors, 200 stops, {days} days x {repeats} interleaved "
          f"runs, {iterations} iterations (CPU time)\n")
    print("| day | solve(): ms / it | pyvrp.solve: ms / it | x PyVRP | search alone: ms / it "
          "| old model (25 types of one): ms / it | plan cost: ours / pyvrp.solve |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for day in range(7, 7 + days):
        problem = _team_day(day, 25, 200)
        data = build(prepare(problem, HaversineProvider())).data
        one_each = data.replace(vehicle_types=[
            vt.replace(num_available=1, name=f"c{k}")
            for vt in data.vehicle_types() for k in range(vt.num_available)])
        per: dict[str, list[float]] = {"ours": [], "pyvrp": [], "alone": [], "old": []}
        cost = {}
        for _ in range(repeats):
            began = time.process_time()
            plan = solve(problem, budget=Budget(max_iterations=iterations, seed=0))
            per["ours"].append((time.process_time() - began) / plan.iterations)
            for key, fn, d in (("pyvrp", pyvrp.solve, data), ("alone", search, data),
                               ("old", pyvrp.solve, one_each)):
                began = time.process_time()
                res = fn(d, MaxIterations(iterations), seed=0, collect_stats=False)
                per[key].append((time.process_time() - began) / res.num_iterations)
                cost[key] = int(_cost(res.best))  # "alone" is solve()'s own search and seed
        med = {k: statistics.median(v) for k, v in per.items()}
        ratios.append(med["ours"] / med["pyvrp"])
        print(f"| {day} | {1000 * med['ours']:.2f} | {1000 * med['pyvrp']:.2f} | "
              f"{ratios[-1]:.2f} | {1000 * med['alone']:.2f} | {1000 * med['old']:.2f} | "
              f"{cost['alone']} / {cost['pyvrp']} |")
    print(f"\nsolve() per iteration: **{statistics.median(ratios):.2f}x** pyvrp.solve (median "
          f"over {days} days; max {max(ratios):.2f}x); load average "
          f"{os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--sizes", default="10,15,20,40")
    parser.add_argument("--only", choices=("converge", "iteration"), default=None)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.only != "iteration":
        bench_early_stop(args.days, tuple(int(x) for x in args.sizes.split(",")))
        bench_time_to_gap(args.days)
    if args.only != "converge":
        for iterations in sorted({args.iterations, 600}):
            bench_per_iteration(iterations)


if __name__ == "__main__":
    main()
