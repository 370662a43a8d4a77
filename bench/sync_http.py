"""Sync over HTTP against honest floors, same run, interleaved, medians (issue #20).

- **Fixed per-request floor**: an authenticated minimal request on the same server
  (`GET /api/v1/users/me`: token check, one user row, a small JSON answer).
- **Push of N facts** (`POST /sync/push`, gzip off) against the fastest raw way to make the same
  writes: COPY of the same fact rows (with the columns the server stamps), COPY of their
  change-feed rows, the visits their outcomes complete updated in one statement (and noted in the
  feed), the effects-queue row; one transaction, psycopg, no HTTP.
- **First pull** (`GET /sync/pull`, gzip accepted), timed before any push so that every round
  sends the same rows, against exactly the rows that pull sent read with one SELECT per table by
  id, encoded to the same JSON shape with orjson (the server's encoder; the stdlib's json is
  shown beside) and gzipped at the same level. Until 2026-12-04 the floor read the rows of the
  first answer while the timed pull, taken after each round's push, carried the facts pushed
  since (5,000 rows against up to 19,000): the published 0.5-0.75x compared unequal work.
- **Empty incremental pull** against the fixed floor above.

Run `python -m bench.sync_http` with TEST_DATABASE_URL naming a PostgreSQL server; it creates and
drops a throwaway database and runs gunicorn with the production config (bench/loadlib/serve.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psycopg
import requests
from sqlalchemy.engine import make_url

from bench.loadlib.serve import Gunicorn
from bench.loadlib.world import flask_env
from bench.pgdb import throwaway_database
from bench.sync import DEVICE, FACT_COLUMNS, facts_batch, seed
from server.auth.passwords import hash_password
from server.sync.tables import SYNC_TABLES
from server.sync.wire import digest, to_ms

PASSWORD = "bench-password-only"
STAMPED = ("user_id", "device_id", "received_at", "clock_offset_ms", "digest")


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _prepare(url: str, visits: int) -> tuple[str, list[str]]:
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "INSTANCE_DIR": "/tmp/doorstep-bench"})
    with app.app_context():
        upgrade()
        collector, visit_ids = seed(db.session, visits)
        db.session.connection().exec_driver_sql(
            "UPDATE users SET password_hash = %s WHERE id = %s", (hash_password(PASSWORD),
                                                                  collector))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return collector, visit_ids


def _effects_done(conn: psycopg.Connection, timeout_s: float = 30.0) -> None:
    """Wait until the server's effects drain has worked off the queue."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = conn.execute("SELECT count(*) FROM sync_fact_effects WHERE attempts = 0").fetchone()
        conn.commit()
        if not left[0]:
            return
        time.sleep(0.05)
    raise RuntimeError("the effects queue did not empty in time")


def _raw_conn(url: str) -> psycopg.Connection:
    return psycopg.connect(make_url(url).set(drivername="postgresql")
                           .render_as_string(hide_password=False))


def copy_floor(conn: psycopg.Connection, changes: dict, collector: str) -> float:
    """The same writes a push makes, the fastest raw way; returns seconds."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        txid = cur.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        feed = []
        for table, parts in changes.items():
            rows = parts["created"]
            if not rows:
                continue
            cols = FACT_COLUMNS[table]
            with cur.copy(f"COPY {table} ({', '.join(cols + STAMPED)}) FROM STDIN") as copy:
                for r in rows:
                    values = [r[c] for c in cols]
                    values[-1] = now  # recorded_at
                    copy.write_row((*values, collector, DEVICE, now, 0, digest(r, cols)))
            feed += [(txid, table, r["id"], "upsert", now) for r in rows]
        outcomes = changes.get("visit_outcomes", {}).get("created", [])
        done = [r["visit_id"] for r in outcomes]
        if done:
            cur.execute("UPDATE visits SET status = 'completed', outcome_code = 'NOT_HOME',"
                        " completed_at = %s, updated_at = %s, version = version + 1"
                        " WHERE id = ANY(%s)", (now, now, done))
            feed += [(txid, "visits", v, "upsert", now) for v in sorted(set(done))]
        with cur.copy("COPY sync_changes (txid, table_name, row_id, op, changed_at)"
                      " FROM STDIN") as copy:
            for row in feed:
                copy.write_row(row)
        queued = {t: [r["id"] for r in p["created"]] for t, p in changes.items()
                  if t in ("check_ins", "visit_outcomes") and p["created"]}
        cur.execute("INSERT INTO sync_fact_effects (facts, created_at, attempts)"
                    " VALUES (%s, %s, 0) RETURNING id", (json.dumps(queued), now))
        queue_id = cur.fetchone()[0]
    conn.commit()
    took = time.perf_counter() - start
    # Written for the timing only: the server's drain is not to judge the floor's facts (its
    # writes would land in the next round's empty pulls).
    conn.execute("DELETE FROM sync_fact_effects WHERE id = %s", (queue_id,))
    conn.commit()
    return took


def _wire(value):
    """What the floor's encoder does with non-JSON values: times as epoch ms, the rest text."""
    return to_ms(value) if isinstance(value, datetime) else str(value)


def _orjson(body: dict) -> bytes:
    return orjson.dumps(body, default=_wire, option=orjson.OPT_PASSTHROUGH_DATETIME)


def select_floor(conn: psycopg.Connection, answer: dict, encoder: str = "orjson"
                 ) -> tuple[float, int]:
    """The pulled rows read by id per table, encoded to the same JSON shape (with orjson, the
    server's encoder, or the stdlib's), gzipped."""
    start = time.perf_counter()
    changes = {}
    with conn.cursor() as cur:
        for table, parts in answer["changes"].items():
            rows = parts["updated"] + parts["created"]
            if not rows:
                changes[table] = {"created": [], "updated": [], "deleted": []}
                continue
            cols = list(SYNC_TABLES[table].columns)  # stored columns (not computed ones)
            cur.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE id = ANY(%s) ORDER BY id",
                        ([r["id"] for r in rows],))
            fetched = [dict(zip(cols, values, strict=True)) for values in cur.fetchall()]
            changes[table] = {"created": [], "updated": fetched, "deleted": []}
    conn.commit()
    whole = {"changes": changes, "timestamp": answer["timestamp"]}
    body = _orjson(whole) if encoder == "orjson" else json.dumps(
        whole, default=_wire, separators=(",", ":")).encode()
    packed = gzip.compress(body, compresslevel=5)
    return time.perf_counter() - start, len(packed)


def run(server_url: str, visits: int, rounds: int, batch_size: int, workers: int) -> list[str]:
    with throwaway_database(server_url) as url, tempfile.TemporaryDirectory() as tmp:
        collector, visit_ids = _prepare(url, visits)
        env = flask_env(url, Path(tmp), DOORSTEP_ENV="production", LOG_LEVEL="WARNING")
        server = Gunicorn(env, Path(tmp) / "gunicorn.log", workers=workers, threads=4)
        server.start(deadline_s=300)  # a loaded machine boots workers slowly
        try:
            return _measure(server.url, url, collector, visit_ids, rounds, batch_size, visits)
        finally:
            server.stop()


def _measure(base: str, url: str, collector: str, visit_ids: list[str], rounds: int,
             batch_size: int, visits: int) -> list[str]:
    http = requests.Session()
    token = http.post(f"{base}/api/v1/auth/tokens", json={
        "username": "bench-collector", "password": PASSWORD, "device_id": DEVICE}).json()["token"]
    http.headers.update({"Authorization": f"Bearer {token}", "X-Device-Id": DEVICE})
    conn = _raw_conn(url)

    def timed(method, path, **kw):
        start = time.perf_counter()
        response = http.request(method, f"{base}{path}", **kw)
        took = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return took, response

    pull_path = "/api/v1/sync/pull?last_pulled_at=&schema_version=2"
    gz = {"Accept-Encoding": "gzip"}
    _, first = timed("GET", pull_path, headers=gz)
    answer = first.json()
    cursor = answer["timestamp"]
    empty_path = f"/api/v1/sync/pull?last_pulled_at={cursor}&schema_version=2"
    for _ in range(20):  # warm both sides
        timed("GET", "/api/v1/users/me")
        timed("GET", empty_path)
    noop, empty, pull, push_t, push_floor = [], [], [], [], []
    floors: dict[str, list[float]] = {"json": [], "orjson": []}
    # First pulls before any push, so every round sends the same rows (1,000 visits' scope);
    # each floor reads exactly the rows the timed pull sent, by id.
    rows = sum(len(p["updated"]) + len(p["created"]) for p in answer["changes"].values())
    for _ in range(rounds):
        took, whole = timed("GET", pull_path, headers=gz)
        pull.append(took)
        sent = whole.json()
        for encoder, times in floors.items():
            times.append(select_floor(conn, sent, encoder)[0])
    quiet = 0  # empty pulls that found nothing new (kept the cursor)
    for r in range(rounds):
        # The pushes of earlier rounds changed the feed: pull them first, then time empty pulls
        # from the fresh cursor.
        # ... once their effects are done: the drain writes (address evidence) after the push
        # answers, and a pull that sees those writes is not an empty one.
        _effects_done(conn)
        _, fresh = timed("GET", f"/api/v1/sync/pull?last_pulled_at={cursor}&schema_version=2",
                         headers=gz)
        fresh_cursor = fresh.json()["timestamp"]
        empty_path = f"/api/v1/sync/pull?last_pulled_at={fresh_cursor}&schema_version=2"
        for _ in range(10):
            noop.append(timed("GET", "/api/v1/users/me")[0])
            took, answer_ = timed("GET", empty_path, headers=gz)
            empty.append(took)
            quiet += answer_.json()["timestamp"] == fresh_cursor
        batch = facts_batch(visit_ids, batch_size, f"h{r}-", r * batch_size)
        push_t.append(timed("POST", f"/api/v1/sync/push?last_pulled_at={cursor}",
                            json={"changes": batch})[0])
        push_floor.append(copy_floor(conn, facts_batch(visit_ids, batch_size, f"c{r}-",
                                                       r * batch_size), collector))
    conn.close()
    load = os.getloadavg()
    m = _median_ms
    return [
        f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"({os.cpu_count()} cores); {rounds} interleaved rounds, medians",
        "", "| measure | ours | floor | ours / floor (speed) | target |", "|---|---|---|---|---|",
        f"| authenticated minimal request (GET /users/me), fixed floor | {m(noop):.2f} ms | | "
        "| |",
        f"| empty incremental pull ({quiet} of {len(empty)} found nothing new) | "
        f"{m(empty):.2f} ms | {m(noop):.2f} ms (fixed floor) | "
        f"+{m(empty) - m(noop):.2f} ms | within 2 ms |",
        f"| first pull, {visits} visits, {rows:,} rows ({len(first.content):,} B of JSON), "
        f"gzipped | {m(pull):.1f} ms | {m(floors['orjson']):.1f} ms (SELECT + orjson + gzip) | "
        f"{m(floors['orjson']) / m(pull):.2f}x | >= 0.8x |",
        f"| the same against stdlib json | | {m(floors['json']):.1f} ms (SELECT + json + gzip) | "
        f"{m(floors['json']) / m(pull):.2f}x | |",
        f"| push {batch_size} facts (1/3 outcomes) over HTTP | {m(push_t):.1f} ms | "
        f"{m(push_floor):.1f} ms (COPY + feed + visits + queue) | "
        f"{m(push_floor) / m(push_t):.2f}x | >= 0.6x |",
        f"| push minus the fixed floor | {m(push_t) - m(noop):.1f} ms | | "
        f"{m(push_floor) / (m(push_t) - m(noop)):.2f}x | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=1000)
    # 40 rounds (about a minute): with 15 the push floor's median moved 22.6-30.5 ms between
    # runs on a quiet box, and the ratio with it.
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server or not server.startswith("postgresql"):
        raise SystemExit("set TEST_DATABASE_URL to a PostgreSQL server")
    print(f"## Sync over HTTP vs honest floors ({time.strftime('%Y-%m-%d %H:%M')} UTC)\n")
    print("\n".join(run(server, args.visits, args.rounds, args.batch_size, args.workers)))


if __name__ == "__main__":
    main()
