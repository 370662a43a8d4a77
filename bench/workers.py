"""Throughput from 1 to 2 gunicorn workers, and where the CPU goes (issue #20, "uses every core").

    python -m bench.workers [--workers 1,2] [--reuse-port both|on|off] [--clients 16]
                            [--processes 4] [--seconds 20] [--rounds 2]

A closed loop: `--processes` load-generator processes with `--clients` keep-alive connections in
all (one thread each, http.client) ask for empty incremental pulls (the request phones make
most: authenticated, the device's cursor checked, nothing to send) as fast as the server
answers, for `--seconds`, against gunicorn with the production config
(server/gunicorn_conf.py, `GUNICORN_REUSE_PORT` on or off). Runs alternate (1 worker, 2
workers, 1, 2 ...) so that load drifts hit both. For each run: requests per second, p50 / p95
latency, and the CPU seconds each gunicorn worker, PostgreSQL's processes and the load
generator used: on a 2-core machine the three share the same two cores, and these figures say
what bounds the second worker. Needs TEST_DATABASE_URL naming a PostgreSQL server (a throwaway
database is created and dropped).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.loadlib.serve import Gunicorn
from bench.loadlib.world import flask_env
from bench.pgdb import throwaway_database
from bench.sync import DEVICE
from bench.sync_http import PASSWORD, _prepare

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _backends(url: str) -> list[int]:
    """The PostgreSQL backends serving the bench's database (not other users of the server)."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        return [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()")]


def _client(port: int, path: str, headers: dict, stop_at: float, out: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    while (start := time.perf_counter()) < stop_at:
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - start)
    conn.close()
    out.append((latencies, errors))


def _generator(port: int, path: str, headers: dict, threads: int, start_at: float,
               stop_at: float, queue) -> None:
    """One load-generator process: `threads` keep-alive clients until `stop_at`."""
    time.sleep(max(0.0, start_at - time.time()))
    stop = time.perf_counter() + (stop_at - time.time())
    results: list = []
    workers = [threading.Thread(target=_client, args=(port, path, headers, stop, results))
               for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    own = os.times()
    queue.put(([x for lat, _ in results for x in lat], sum(e for _, e in results),
               own.user + own.system))


def _login(port: int) -> str:
    import requests

    answer = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/tokens", timeout=30, json={
        "username": "bench-collector", "password": PASSWORD, "device_id": DEVICE})
    answer.raise_for_status()
    return answer.json()["token"]


def _empty_pull_path(port: int, token: str) -> str:
    import requests

    headers = {"Authorization": f"Bearer {token}", "X-Device-Id": DEVICE}
    first = requests.get(f"http://127.0.0.1:{port}/api/v1/sync/pull?last_pulled_at="
                         "&schema_version=2", headers=headers, timeout=60).json()
    return f"/api/v1/sync/pull?last_pulled_at={first['timestamp']}&schema_version=2"


def one_run(url: str, tmp: Path, workers: int, reuse_port: bool, clients: int, processes: int,
            seconds: float, what: str = "pull") -> dict:
    # No recycling inside a window (at ~300 req/s GUNICORN_MAX_REQUESTS=5000 would restart the
    # worker mid-run: its CPU figure breaks, and with reuse_port its socket goes with it).
    env = {**flask_env(url, tmp), "GUNICORN_REUSE_PORT": "1" if reuse_port else "0",
           "RATELIMIT_ENABLED": "0", "GUNICORN_MAX_REQUESTS": "0"}
    server = Gunicorn(env, tmp / f"gunicorn-{workers}-{int(reuse_port)}.log", workers, threads=4)
    server.start()
    try:
        token = _login(server.port)
        path = _empty_pull_path(server.port, token) if what == "pull" else "/api/v1/users/me"
        headers = {"Authorization": f"Bearer {token}", "X-Device-Id": DEVICE}
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        # a short warm-up, then the measured window
        start_at = time.time() + 1.0
        warm_end = start_at + 2.0
        stop_at = warm_end + seconds
        per = [clients // processes + (1 if i < clients % processes else 0)
               for i in range(processes)]
        procs = [ctx.Process(target=_generator, args=(server.port, path, headers, n, start_at,
                                                      stop_at, queue)) for n in per if n]
        for p in procs:
            p.start()
        time.sleep(max(0.0, warm_end - time.time()))
        worker_pids = _children(server.process.pid)
        before = {pid: _cpu_seconds(pid) for pid in worker_pids}
        backends = _backends(url)
        pg_before = {pid: _cpu_seconds(pid) for pid in backends}
        wall = time.perf_counter()
        results = [queue.get(timeout=seconds + 120) for _ in procs]
        elapsed = time.perf_counter() - wall
        pg = sum(_cpu_seconds(pid) - pg_before[pid] for pid in backends)
        per_worker = sorted((_cpu_seconds(pid) - before[pid] for pid in worker_pids),
                            reverse=True)
        for p in procs:
            p.join()
    finally:
        server.stop()
    latencies = sorted(x for lat, _, _ in results for x in lat)
    # requests completed inside the measured window (the warm-up's are left out by time)
    done = len(latencies)
    return {"workers": workers, "reuse_port": reuse_port, "requests": done,
            "errors": sum(e for _, e, _ in results),
            "rps": done / (seconds + 2.0),  # generators count the warm-up too: same for every run
            "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "p95_ms": 1000 * latencies[int(0.95 * (done - 1))] if latencies else float("nan"),
            "worker_cpu": per_worker, "postgres_cpu": pg,
            "generator_cpu": sum(c for _, _, c in results), "window_s": elapsed,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--reuse-port", choices=("both", "on", "off"), default="both")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--request", choices=("pull", "me"), default="pull",
                        help="pull: empty incremental pulls; me: GET /users/me (the "
                             "authenticated minimal request: little database work)")
    args = parser.parse_args()
    server_url = os.environ.get("TEST_DATABASE_URL") or os.environ["DATABASE_URL"]
    counts = [int(w) for w in args.workers.split(",")]
    modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.reuse_port]
    rows = []
    with throwaway_database(server_url) as url, tempfile.TemporaryDirectory() as tmp:
        _prepare(url, args.visits)
        for _ in range(args.rounds):
            for reuse in modes:
                for n in counts:
                    rows.append(one_run(url, Path(tmp), n, reuse, args.clients,
                                        args.processes, args.seconds, args.request))
    load = os.getloadavg()
    asked = "empty incremental pulls" if args.request == "pull" else "GET /users/me"
    print(f"## gunicorn workers: throughput of {asked} "
          f"({args.clients} keep-alive clients in {args.processes} processes, "
          f"{args.seconds:.0f} s windows, {os.cpu_count()} cores, load at the end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f})\n")
    print("| workers | reuse_port | req/s | p50 ms | p95 ms | errors | CPU s per worker | "
          "PostgreSQL CPU s | generator CPU s | load (1 min) |")
    print("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for r in rows:
        cpu = " / ".join(f"{c:.1f}" for c in r["worker_cpu"])
        print(f"| {r['workers']} | {'on' if r['reuse_port'] else 'off'} | {r['rps']:.1f} | "
              f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['errors']} | {cpu} | "
              f"{r['postgres_cpu']:.1f} | {r['generator_cpu']:.1f} | {r['load']:.2f} |")
    for reuse in modes:
        by = {n: statistics.median(r["rps"] for r in rows
                                   if r["workers"] == n and r["reuse_port"] == reuse)
              for n in counts}
        if len(counts) == 2:
            a, b = counts
            print(f"\nreuse_port {'on' if reuse else 'off'}: {b} / {a} workers = "
                  f"{by[b] / by[a]:.2f}x (medians of {args.rounds})")


if __name__ == "__main__":
    main()
