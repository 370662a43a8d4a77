"""Synchronised two-person visits against whole-day pairing, on generated team days.

Run `python -m bench.routing_sync [--seeds N]`; prints markdown tables (docs/benchmarks.md).

A team day: N collectors (bases scattered), each with solo visits, and shared two-person
visits for fixed pairs; legal windows 08:00-21:00 with split windows and appointments; the
days are over-full on purpose. The reference ("best") is the relaxation without
synchronisation (each collector serves their copy of a shared visit whenever it suits them),
best of three 6,000-iteration runs: synchronising only removes options, so its optimum is at
least the synchronised one's. The baseline is whole-day pairing (each pair one vehicle with
crew_size=2), same budget.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from server.routing.solver import Budget, Collector, Point, Problem, Stop, solve
from server.routing.solver.sync import _copy_id, shared_stops, solve_synchronised

H = 3600
OFFICE = Point(31.2304, 121.4737)


def team_day(seed: int, collectors: int, visits_each: int, shared_per_pair: int) -> Problem:
    """collectors (an even number) in fixed pairs; visits_each visits per collector, of which
    shared_per_pair are shared with the partner."""
    rng = random.Random(seed)
    crew = tuple(Collector(f"c{k}", Point(OFFICE.lat + rng.uniform(-0.03, 0.03),
                                          OFFICE.lng + rng.uniform(-0.03, 0.03)), 9 * H, 18 * H)
                 for k in range(collectors))

    def spot(centre: Point) -> Point:
        return Point(centre.lat + rng.uniform(-0.03, 0.03), centre.lng + rng.uniform(-0.03, 0.03))

    def windows() -> tuple:
        kind = rng.random()
        if kind < 0.15:  # an appointment
            start = rng.randrange(10 * H, 16 * H, 1800)
            return ((start, start + H),)
        if kind < 0.35:  # split around a lunch hold
            return ((8 * H, 12 * H), (14 * H, 21 * H - 1800))
        return ((8 * H, 21 * H - 1800),)

    stops = []
    for k in range(0, collectors, 2):
        a, b = crew[k], crew[k + 1]
        for c in (a, b):
            for i in range(visits_each - shared_per_pair):
                stops.append(Stop(f"{c.id}-{i}", spot(c.start), rng.randrange(900, 2400, 300),
                                  windows(), assigned=True, prize=rng.randrange(1_000, 9_000),
                                  allowed_collector_ids=frozenset({c.id})))
        for i in range(shared_per_pair):
            stops.append(Stop(f"{a.id}{b.id}-x{i}", spot(a.start), 1800, windows(),
                              assigned=True, prize=5_000, required_collectors=2,
                              allowed_collector_ids=frozenset({a.id, b.id})))
    return Problem(crew, tuple(stops))


def paired(problem: Problem) -> Problem:
    """The same day with each pair as one vehicle (whole-day pairing)."""
    crews = tuple(Collector(f"{a.id}+{b.id}", a.start, a.shift_start_s, a.shift_end_s,
                            crew_size=2)
                  for a, b in zip(problem.collectors[::2], problem.collectors[1::2],
                                  strict=True))
    vehicle = {m: v.id for v in crews for m in v.id.split("+")}
    stops = tuple(Stop(s.id, s.location, s.service_s, s.windows, s.mandatory, s.prize,
                       s.required_collectors,
                       frozenset({vehicle[next(iter(s.allowed_collector_ids))]}), s.assigned)
                  for s in problem.stops)
    return Problem(crews, stops)


def relaxed_best(problem: Problem) -> int:
    """Visits served without synchronisation (a shared one counts when both copies are)."""
    shared = {s.stop.id: s.pair for s in shared_stops(problem)}
    stops = tuple(s for s in problem.stops if s.id not in shared) + tuple(
        Stop(_copy_id(s.id, c), s.location, s.service_s, s.windows, s.mandatory, s.prize,
             1, frozenset({c}), s.assigned)
        for s in problem.stops if s.id in shared for c in shared[s.id])
    best = 0
    for seed in (0, 1, 2):
        plan = solve(Problem(problem.collectors, stops), budget=Budget(6_000, seed=seed))
        done = {v.stop_id for r in plan.routes for v in r.visits}
        served = sum(1 for s in problem.stops if s.id not in shared and s.id in done)
        served += sum(1 for sid, pair in shared.items()
                      if all(_copy_id(sid, c) in done for c in pair))
        best = max(best, served)
    return best


def _check(problem: Problem, plan, tolerance_s: int) -> tuple[int, int]:
    """(pairs not both present within the tolerance, visits outside their windows)."""
    by_id = {s.id: s for s in problem.stops}
    starts: dict[str, list[int]] = {}
    outside = 0
    for r in plan.routes:
        for v in r.visits:
            starts.setdefault(v.stop_id, []).append(v.start_s)
            if not any(e <= v.start_s <= late for e, late in by_id[v.stop_id].windows):
                outside += 1
    broken = sum(1 for sid, t in starts.items() if by_id[sid].required_collectors == 2
                 and (len(t) != 2 or max(t) - min(t) > tolerance_s))
    return broken, outside


def bench(label: str, collectors: int, visits_each: int, shared: int, seeds: int,
          budget: Budget, tolerance_s: int = 600, with_reference: bool = True) -> None:
    rows = []
    for seed in range(seeds):
        problem = team_day(seed, collectors, visits_each, shared)
        began = time.perf_counter()
        plan = solve_synchronised(problem, budget=budget, tolerance_s=tolerance_s)
        seconds = time.perf_counter() - began
        served = len({v.stop_id for r in plan.routes for v in r.visits})
        pair_plan = solve(paired(problem), budget=budget)
        pair_served = sum(len(r.visits) for r in pair_plan.routes)
        reference = relaxed_best(problem) if with_reference else len(problem.stops)
        rows.append((served, pair_served, max(reference, served), seconds,
                     *_check(problem, plan, tolerance_s), len(problem.stops)))
    share = [100 * s / n for s, _, n, *_ in rows]
    best = "relaxation, best of 3 x 6,000 it" if with_reference else "all visits"
    print(f"\n### {label}: {seeds} days, tolerance {tolerance_s // 60} min, best = {best}\n")
    print("| visits | best | synchronised: served (% of best) | whole-day pairing: served "
          "| seconds (median / max) | pairs not met | outside windows |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {rows[0][6]} | {statistics.mean(r[2] for r in rows):.1f} | "
          f"{statistics.mean(r[0] for r in rows):.1f} "
          f"(mean {statistics.mean(share):.1f} %, min {min(share):.1f} %) | "
          f"{statistics.mean(r[1] for r in rows):.1f} | "
          f"{statistics.median(r[3] for r in rows):.2f} / {max(r[3] for r in rows):.2f} | "
          f"{sum(r[4] for r in rows)} | {sum(r[5] for r in rows)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    bench("2 collectors x 20 visits (3 shared)", 2, 20, 3, args.seeds,
          Budget(max_iterations=2_000, max_runtime_s=2.0, stall_iterations=250))
    bench("team of 20 collectors x 12 visits (2 shared per pair)", 20, 12, 2,
          max(1, args.seeds // 2),
          Budget(max_iterations=2_000, max_runtime_s=30.0, stall_iterations=250),
          with_reference=False)


if __name__ == "__main__":
    main()
