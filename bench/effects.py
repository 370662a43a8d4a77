"""What follows a push, against the history its visits already hold (issue #20).

Three groups of visits are seeded, pre-holding 0, 50 and 500 facts each (check-ins, notes and
outcomes in turn, pushed through the service and judged, as a live server would have them);
then each round pushes 500 new facts to every group (10 to each of its 50 visits, the same mix)
and times the effects drain that follows (contact ledger, address evidence, compliance flags:
server/facts/deferred.py), with the SQL statements it sent. The groups are interleaved round by
round, so load on the box moves all three alike; the per-new-fact cost should not depend on the
history (ratio ~1).

Run `python -m bench.effects` with DATABASE_URL or TEST_DATABASE_URL naming a PostgreSQL server;
a throwaway database is created and dropped. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from sqlalchemy import event

from bench.pgdb import throwaway_database
from bench.sync import DEVICE, facts_batch, seed
from server.config import normalise_database_url
from server.facts.deferred import run_fact_effects
from server.models import utcnow
from server.sync.push import PushContext
from server.sync.scope import Who
from server.sync.service import push

CHUNK = 500


def _push(session, ctx, batch, cursor) -> int:
    answer = push(session, ctx, batch, cursor, DEVICE, None, "x")
    session.commit()
    return sum(answer["applied"].values())


def _effects(session) -> dict:
    counts = run_fact_effects(session, rounds=1000)
    session.commit()
    return counts


def run(server_url: str, visits: int, levels: list[int], rounds: int, new: int,
        profile: bool = False) -> list[str]:
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    with throwaway_database(server_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "INSTANCE_DIR": "/tmp/doorstep-bench"})
        with app.app_context():
            upgrade()
            session = db.session
            collector, visit_ids = seed(session, visits * len(levels))
            groups = {h: visit_ids[i * visits:(i + 1) * visits] for i, h in enumerate(levels)}
            now = utcnow()
            ctx = PushContext(Who(collector, now, now.date()), None, 0)
            cursor = int(time.time() * 1000)
            seeded = time.perf_counter()
            for h, group in groups.items():  # the history, pushed and judged as it would be
                total = h * visits
                for start in range(0, total, CHUNK):
                    batch = facts_batch(group, min(CHUNK, total - start), f"h{h}-", start)
                    _push(session, ctx, batch, cursor)
                    _effects(session)
            seeded = time.perf_counter() - seeded
            session.connection().exec_driver_sql("ANALYZE")
            session.commit()
            statements = [0]

            sql_time: dict[str, float] = {}

            @event.listens_for(db.engine, "before_cursor_execute")
            def _count(conn, cursor, statement, *_args):
                statements[0] += 1
                conn.info["bench_t0"] = time.perf_counter()

            @event.listens_for(db.engine, "after_cursor_execute")
            def _took(conn, cursor, statement, *_args):
                key = " ".join(statement.split())[:110]
                sql_time[key] = sql_time.get(key, 0.0) + time.perf_counter() - conn.info["bench_t0"]

            times: dict[int, list[float]] = {h: [] for h in levels}
            sent: dict[int, list[int]] = {h: [] for h in levels}
            cpus: dict[int, list[float]] = {h: [] for h in levels}
            load = [os.getloadavg()[0]]
            for r in range(rounds):
                order = levels[r % len(levels):] + levels[:r % len(levels)]  # rotate
                for h in order:
                    batch = facts_batch(groups[h], new, f"n{h}-r{r}-", 0)
                    assert _push(session, ctx, batch, cursor) == new
                    statements[0] = 0
                    sql_time.clear()
                    profiler = cProfile.Profile() if profile and r == rounds - 1 else None
                    start, cpu = time.perf_counter(), time.process_time()
                    if profiler:
                        profiler.enable()
                    counts = _effects(session)
                    times[h].append(time.perf_counter() - start)
                    cpus[h].append(time.process_time() - cpu)
                    if profiler:
                        profiler.disable()
                        print(f"### profile, history {h}")
                        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
                        for key, took in sorted(sql_time.items(), key=lambda kv: -kv[1])[:8]:
                            print(f"{took * 1000:8.1f} ms  {key}")
                    sent[h].append(statements[0])
                    assert counts["pushes"] == 1 and counts["failed"] == 0, counts
                load.append(os.getloadavg()[0])
            db.session.remove()
            db.engine.dispose()

    base = statistics.median(times[levels[0]]) / new
    lines = [f"Seeding the history took {seeded:.1f} s; load average {min(load):.1f}-"
             f"{max(load):.1f} during the timed rounds; {rounds} rounds, medians.", "",
             f"| facts each visit already held | effects of {new} new facts ({visits} visits), "
             "wall | per new fact | vs no history | bench process CPU (Python side) | "
             "SQL statements |", "|---|---|---|---|---|---|"]
    base_cpu = statistics.median(cpus[levels[0]])
    for h in levels:
        per = statistics.median(times[h]) / new
        cpu = statistics.median(cpus[h])
        lines.append(f"| {h} | {statistics.median(times[h]) * 1000:.1f} ms "
                     f"(min {min(times[h]) * 1000:.1f}) | {per * 1000:.3f} ms | "
                     f"**{per / base:.2f}x** | {cpu * 1000:.1f} ms ({cpu / base_cpu:.2f}x) | "
                     f"{statistics.median(sent[h]):.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=50, help="visits per history level")
    parser.add_argument("--levels", default="0,50,500", help="facts each visit already holds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--new", type=int, default=500, help="new facts pushed per round")
    parser.add_argument("--profile", action="store_true", help="cProfile the last round")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server or not normalise_database_url(server).startswith("postgresql"):
        raise SystemExit("set DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server")
    levels = [int(x) for x in args.levels.split(",")]
    print(f"## Effects vs visit history (PostgreSQL, {time.strftime('%Y-%m-%d %H:%M')})\n")
    print("\n".join(run(server, args.visits, levels, args.rounds, args.new,
                              args.profile)))


if __name__ == "__main__":
    main()
