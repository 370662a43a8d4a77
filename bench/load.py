"""Load test: N simulated collectors live a working day against gunicorn + PostgreSQL.

    python -m bench.load --collectors 50 [--workers 3] [--threads 4] [--day-seconds 180]
                         [--minutes-per-sync 60] [--reassign-share 0.1] [--seed 1]

Needs TEST_DATABASE_URL or DATABASE_URL naming a PostgreSQL server. In order: a throwaway
database is created; `flask db upgrade`; `flask demo seed --debtors …` plus extra collector
pairs when N exceeds the demo's staff (bench/loadlib/world.py); gunicorn is started with
server/gunicorn_conf.py on a free 127.0.0.1 port; N phones (client_stub, one thread each) and
one dispatcher live the day (bench/loadlib/day.py); gunicorn is stopped with SIGTERM; the
database is checked (bench/loadlib/verify.py): every fact each phone created stored exactly
once, 0 HTTP errors, 0 quarantined; the database is dropped. Prints markdown tables and exits
1 when a check fails. See docs/load_bench_results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.loadlib.day import DAY_MINUTES, Board, Clock, Dispatcher, DispatchStats, phone_day
from bench.loadlib.serve import Gunicorn
from bench.loadlib.timing import Recorder, by_endpoint, by_phase, sync_by_phase
from bench.loadlib.verify import Check, db_now, http_errors, verify
from bench.loadlib.world import build_world, flask_env
from bench.pgdb import throwaway_database

# All phones share 127.0.0.1, so the per-IP login limit (30/min, meant for one client) would
# throttle the morning log-ins; every other limit stays at its production value.
LOGIN_IP_LIMIT = "100000 per minute"


@dataclass
class Options:
    collectors: int = 20
    workers: int = 3
    threads: int = 4
    day_seconds: float = 180.0
    minutes_per_sync: float = 60.0
    visit_jitter: float = 0.0
    reassign_share: float = 0.1
    seed: int = 1
    demo_collectors: int | None = None
    server_url: str = ""
    keep_dir: str | None = None


@dataclass
class Report:
    options: Options
    checks: list[Check] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    latency: dict = field(default_factory=dict)
    phases: dict = field(default_factory=dict)
    sync_phases: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def run(options: Options, log=print) -> Report:
    report = Report(options)
    server_url = options.server_url or os.environ.get("TEST_DATABASE_URL") or \
        os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql")):
        raise SystemExit("bench.load needs TEST_DATABASE_URL or DATABASE_URL (PostgreSQL)")
    with tempfile.TemporaryDirectory(prefix="doorstep-load-") as scratch, \
            throwaway_database(server_url, "doorstep_load") as database_url:
        work = Path(options.keep_dir or scratch)
        work.mkdir(parents=True, exist_ok=True)
        env = flask_env(database_url, work / "instance", RATELIMIT_LOGIN_IP=LOGIN_IP_LIMIT)
        started = time.monotonic()
        world = build_world(database_url, env, options.collectors, seed=2024,
                            demo_collectors=options.demo_collectors)
        setup_s = time.monotonic() - started
        log(f"world: {len(world.collectors)} collectors ({world.extra_pairs} extra pairs), "
            f"{world.debtors} debtors, seeded in {setup_s:.1f}s")
        server = Gunicorn(env, work / "gunicorn.log", options.workers, options.threads)
        server.start()
        since = db_now(database_url)
        try:
            phones, dispatch, moves, samples, day_s, cpu_s = _live_the_day(
                server.url, world, options, log)
        finally:
            exit_code = server.stop()
        problems = server.problems()
        report.checks, facts = verify(database_url, since, phones, samples, dispatch, moves,
                                      problems, exit_code)
        report.failures = [f"{p.collector.username}: {p.error}" for p in phones if p.error]
        report.failures += [f"dispatcher refused: {r}" for r in dispatch.refused]
        report.failures += facts["details"]
        report.failures += [f"server log: {_error_line(line)}" for line in problems[:20]]
        report.failures += [f"HTTP {s.status} {s.endpoint} ({s.who})"
                            for s in http_errors(samples)[:20]]
        if not report.ok and options.keep_dir is None:
            report.failures.append("gunicorn log tail:\n" + server.log_tail(30))
        report.latency = by_endpoint(samples)
        report.phases = by_phase(samples)
        report.sync_phases = sync_by_phase(samples)
        if options.keep_dir is not None:  # every attempt, for curves over the day
            first = min((x.at - x.seconds for x in samples), default=0.0)
            (work / "samples.csv").write_text("finished_s,phase,endpoint,status,ms\n" + "".join(
                f"{x.at - first:.3f},{x.phase},{x.endpoint},{x.status},{x.seconds * 1000:.1f}\n"
                for x in sorted(samples, key=lambda x: x.at)))
        visits = sum(len(p.worked) for p in phones if p.collector.pair and
                     p.collector.pair.split("+")[0] == p.collector.user_id)
        report.summary = {
            "collectors": len(phones), "gunicorn": f"{options.workers} x {options.threads}",
            "day_seconds": options.day_seconds, "minutes_per_sync": options.minutes_per_sync,
            "visit_jitter": options.visit_jitter,
            "setup_s": round(setup_s, 1), "day_wall_s": round(day_s, 1),
            "requests": len(samples), "req_per_s": round(len(samples) / day_s, 1),
            "syncs": sum(p.syncs for p in phones), "visits_led": visits,
            "facts": facts["created"], "facts_per_s": round(facts["created"] / day_s, 1),
            "facts_by_table": facts["by_table"],
            "pulled_rows": sum(p.pulled for p in phones),
            "tombstones_applied": sum(p.deleted for p in phones),
            "reassigned": f"{dispatch.moved}/{dispatch.attempted}"
                          f" ({dispatch.overridden} with overrides, {dispatch.conflicts} 409)",
            "harness_cpu_s": round(cpu_s, 1),
        }
    return report


def _live_the_day(base_url, world, options: Options, log):
    recorder, board = Recorder(), Board()
    clock = Clock(options.day_seconds)
    pairs = {c.pair: c.agency_id for c in world.collectors}
    homes = Path(tempfile.mkdtemp(prefix="doorstep-phones-"))
    results = [None] * len(world.collectors)
    per_pair = max(1, round(sum(1 for c in world.collectors if c.pair.startswith(c.user_id))
                            * 6 * options.reassign_share))
    dispatcher = Dispatcher(base_url, world.dispatchers, pairs, board, clock, recorder,
                            target=per_pair, seed=options.seed)

    def one(i, collector):
        role = "lead" if collector.pair.split("+")[0] == collector.user_id else "second"
        results[i] = phone_day(
            base_url, collector, role=role, board=board, clock=clock, today=world.today,
            recorder=recorder, home=homes / collector.device_id, seed=options.seed * 1000 + i,
            minutes_per_sync=options.minutes_per_sync, visit_jitter=options.visit_jitter,
            stagger=DAY_MINUTES * 0.05 * i / max(1, len(world.collectors)))

    load0 = os.getloadavg()[0]
    cpu0, wall0 = time.process_time(), time.monotonic()
    threads = [threading.Thread(target=one, args=(i, c), name=c.username, daemon=True)
               for i, c in enumerate(world.collectors)]
    dispatcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dispatcher.stop.set()
    dispatcher.join(timeout=60)
    day_s = time.monotonic() - wall0
    cpu_s = time.process_time() - cpu0
    log(f"machine load average (1 min): {load0:.1f} before the day, "
        f"{os.getloadavg()[0]:.1f} after")
    log(f"day over in {day_s:.1f}s: {len(recorder.samples)} requests")
    for path in sorted(homes.rglob("*"), reverse=True):  # phones' SQLite files and photos
        path.unlink() if path.is_file() else path.rmdir()
    homes.rmdir()
    stats = dispatcher.stats if not dispatcher.is_alive() else DispatchStats(error="still running")
    return results, stats, list(board.moves), recorder.snapshot(), day_s, cpu_s


def markdown(report: Report) -> str:
    s = report.summary
    lines = ["| collectors | gunicorn workers x threads | day (s) | min/sync | requests | req/s "
             "| facts | facts/s | syncs | reassigned | tombstones | harness CPU (s) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
             f"| {s['collectors']} | {s['gunicorn']} | {s['day_wall_s']} | "
             f"{s['minutes_per_sync']:g} | {s['requests']} | {s['req_per_s']} | {s['facts']} | "
             f"{s['facts_per_s']} | {s['syncs']} | {s['reassigned']} | "
             f"{s['tombstones_applied']} | {s['harness_cpu_s']} |", "",
             "facts by table: " + ", ".join(f"{t} {n}" for t, n in s["facts_by_table"].items()),
             "", "| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | statuses |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, row in sorted(report.latency.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        statuses = " ".join(f"{k}:{v}" for k, v in row["statuses"].items())
        lines.append(f"| {name} | {row['count']} | {row['p50']:.1f} | {row['p95']:.1f} | "
                     f"{row['p99']:.1f} | {row['max']:.1f} | {statuses} |")
    lines += _latency_table("phase (all endpoints)", report.phases)
    lines += _latency_table("phase: sync endpoint", report.sync_phases)
    lines += ["", "| check | expected | got | |", "|---|---:|---:|---|"]
    lines += [f"| {c.name} | {c.expected} | {c.got} | {'ok' if c.ok else 'FAIL'} |"
              for c in report.checks]
    return "\n".join(lines)


def _latency_table(title: str, rows: dict) -> list[str]:
    return ["", f"| {title} | requests | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|"] + [
        f"| {name} | {row['count']} | {row['p50']:.1f} | {row['p95']:.1f} | "
        f"{row['p99']:.1f} | {row['max']:.1f} |" for name, row in rows.items()]


def _error_line(line: str) -> str:
    """A server log problem, short: its message and the traceback's last line (the error)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line[:500]
    if not isinstance(entry, dict):
        return line[:500]
    error = (entry.get("exc") or "").strip().splitlines()[-1:] or [""]
    return f"{entry.get('ts')} {entry.get('logger')}: {entry.get('message')} | {error[0]}"[:800]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split(
        "\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--collectors", type=int, default=Options.collectors)
    parser.add_argument("--workers", type=int, default=Options.workers,
                        help="gunicorn WEB_CONCURRENCY (default %(default)s for 2 cores)")
    parser.add_argument("--threads", type=int, default=Options.threads,
                        help="GUNICORN_THREADS per worker (default %(default)s)")
    parser.add_argument("--day-seconds", type=float, default=Options.day_seconds,
                        help="wall-clock length of the 09:00-18:00 day (default %(default)s)")
    parser.add_argument("--minutes-per-sync", type=float, default=Options.minutes_per_sync,
                        help="simulated minutes between a phone's syncs (default %(default)s)")
    parser.add_argument("--visit-jitter", type=float, default=Options.visit_jitter,
                        help="each visit lasts its share of the day times 1 +/- up to this "
                        "(default %(default)s: all equal, so phones sync in waves)")
    parser.add_argument("--reassign-share", type=float, default=Options.reassign_share,
                        help="share of today's visits the dispatcher moves (default %(default)s)")
    parser.add_argument("--seed", type=int, default=Options.seed)
    parser.add_argument("--demo-collectors", type=int,
                        help="use at most this many of the demo's collectors (default: all)")
    parser.add_argument("--keep-dir", help="keep the gunicorn log, the instance and every "
                        "request's timing (samples.csv) here")
    parser.add_argument("--json", help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    options = Options(args.collectors, args.workers, args.threads, args.day_seconds,
                      args.minutes_per_sync, visit_jitter=args.visit_jitter,
                      reassign_share=args.reassign_share, seed=args.seed,
                      demo_collectors=args.demo_collectors, keep_dir=args.keep_dir)
    report = run(options, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(markdown(report))
    for failure in report.failures:
        print(f"\n{failure}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": report.summary, "latency": report.latency,
             "phases": report.phases, "sync_phases": report.sync_phases, "ok": report.ok,
             "checks": [c.__dict__ for c in report.checks]}, indent=2, default=str))
    print(f"\nverification: {'PASSED' if report.ok else 'FAILED'}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
