"""Promise monitor benchmark on PostgreSQL: 250k and 1M active promises, set-based throughout.

Run `python -m bench.promises [--sizes 250000,1000000]` with TEST_DATABASE_URL (or DATABASE_URL)
pointing at a PostgreSQL server; each size gets a throwaway database, generated with
generate_series. Prints a markdown table and writes it to docs/promises_bench_results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.promises_floor import digest, run_floor
from server.compliance.inputs import DEFAULT_TZ
from server.compliance.profile_store import seed_profiles
from server.config import normalise_database_url
from server.db import feed
from server.followups.backlog import time_pending_follow_ups
from server.models import Base
from server.promises.monitor import run_promise_monitor
from server.unit_of_work import checkpoint

NOW = datetime(2026, 3, 31, 4, 0, tzinfo=UTC)
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "promises_bench_results.md"

# One lender; n cases, each with a debtor, a home address, an account and one active promise
# made on 1 March, due over March (grace 3 days: about half are past their deadline on 31 March).
# A third paid in full, a third half (in two payments), a third nothing.
GENERATE = [
    "INSERT INTO agencies (id, code, name, kind, jurisdiction, created_at, updated_at) "
    "VALUES ('L', 'L', 'Lender', 'lender', 'CN', now(), now())",
    "INSERT INTO parties (id, lender_id, full_name, language, vulnerable, attorney_represented,"
    " preferred_windows, created_at, updated_at) SELECT 'p'||g, 'L', 'debtor '||g, 'zh-CN',"
    " false, false, '[]', now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO cases (id, lender_id, external_id, debtor_id, status, priority, jurisdiction,"
    " dispute_open, hardship, opened_at, created_at, updated_at) SELECT 'c'||g, 'L', 'c'||g,"
    " 'p'||g, 'open', 0, 'CN', false, false, now(), now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO addresses (id, party_id, kind, raw_text, verification_state, time_zone,"
    " created_at, updated_at) SELECT 'a'||g, 'p'||g, 'home', 'addr', 'geocoded',"
    " CASE WHEN g % 10 = 0 THEN 'Asia/Urumqi' ELSE 'Asia/Shanghai' END, now(), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO accounts (id, lender_id, external_id, case_id, product, currency, principal,"
    " outstanding, overdue_amount, dpd, bucket, created_at, updated_at) SELECT 'ac'||g, 'L',"
    " 'ac'||g, 'c'||g, 'loan', 'CNY', 10000, 8000, 1000, 30, 'M1', now(), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO payment_promises (id, recorded_at, received_at, digest, case_id, account_id,"
    " amount, currency, due_on, status, paid_amount) SELECT 'pp'||g,"
    " timestamptz '2026-03-01 02:00+00', now(), 'x', 'c'||g, 'ac'||g, 1000, 'CNY',"
    " date '2026-03-01' + (g % 30), 'active', 0 FROM generate_series(1, :n) g",
    "INSERT INTO payments (id, recorded_at, received_at, digest, case_id, account_id, amount,"
    " currency, method, paid_at) SELECT 'py'||g||'-'||k, now(), now(), 'x', 'c'||g, 'ac'||g,"
    " CASE WHEN g % 3 = 0 THEN 500 ELSE 250 END, 'CNY', 'transfer',"
    " timestamptz '2026-03-02 02:00+00' + k * interval '1 day'"
    " FROM generate_series(1, :n) g, generate_series(1, 2) k WHERE g % 3 <> 2",
]


def _server_url() -> str:
    raw = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    url = normalise_database_url(raw)
    if not url.startswith("postgresql"):
        raise SystemExit("set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server")
    return url


TIMING_S = 20.0


def bench_size(server_url: str, n: int) -> dict:
    """Create a throwaway database with n promises, run the monitor once, time it."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"doorstep_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(server_url).set(database=name))
    try:
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        with engine.begin() as conn:
            for sql in GENERATE:
                conn.execute(text(sql), {"n": n})
            conn.execute(text("ANALYZE"))
        generated = time.perf_counter() - started
        with Session(engine) as session:
            seed_profiles(session)
            session.commit()
        # The floor: one statement making and writing the same decisions, rolled back.
        started = time.perf_counter()
        with Session(engine) as session:
            floor_counts = run_floor(session, NOW)
            floor_s = time.perf_counter() - started
            floor_digest = digest(session)
            session.rollback()
        # The decisions, with one batch of compliance timing (budget 0): what scales with n.
        started = time.perf_counter()
        with Session(engine) as session:
            counts = run_promise_monitor(session, NOW, budget_s=0)
            elapsed = time.perf_counter() - started
            monitor_digest = digest(session)
            session.commit()
        same = {k: counts[k] for k in floor_counts} == floor_counts
        if not same or monitor_digest != floor_digest:
            raise SystemExit(f"the floor and the monitor decided differently: {floor_counts} "
                             f"{floor_digest} vs {counts} {monitor_digest}")
        # Timing the broken promises' follow-ups against the rules, as the job does within its
        # budget: a rate, since a backlog is worked off over runs.
        started = time.perf_counter()
        with Session(engine) as session:
            timed = time_pending_follow_ups(session, NOW, DEFAULT_TZ, budget_s=TIMING_S,
                                            after_batch=checkpoint)
            session.commit()
        timing_s = time.perf_counter() - started
        n_timed = sum(timed[k] for k in ("calls_due", "calls_cancelled", "revisits_due",
                                         "revisits_cancelled"))
        started = time.perf_counter()
        with Session(engine) as session:
            again = run_promise_monitor(session, NOW, budget_s=0)
            session.commit()
        rerun = time.perf_counter() - started
        return {"n": n, "generate_s": generated, "monitor_s": elapsed, "rerun_s": rerun,
                "floor_s": floor_s, "load": os.getloadavg(),
                **counts, "rerun_changes": again["kept"] + again["broken"],
                "timed_per_s": n_timed / timing_s}
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def table(rows: list[dict]) -> str:
    """The results as a markdown table."""
    lines = ["| active promises | floor: one statement (s) | monitor run (s) | monitor / floor "
             "| µs / promise | kept | broken | partial paid "
             "| follow-ups | second run (s) | second run changes | follow-ups timed / s "
             "| load average (1/5/15 min, at the end) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        load = "/".join(f"{x:.1f}" for x in r["load"])
        lines.append(f"| {r['n']:,} | {r['floor_s']:.1f} | {r['monitor_s']:.1f} "
                     f"| {r['monitor_s'] / r['floor_s']:.2f}× "
                     f"| {r['monitor_s'] / r['n'] * 1e6:.1f}"
                     f" | {r['kept']:,} | {r['broken']:,} | {r['paid_progress']:,}"
                     f" | {r['follow_ups']:,} | {r['rerun_s']:.1f} | {r['rerun_changes']}"
                     f" | {r['timed_per_s']:,.0f} | {load} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="250000,1000000")
    args = parser.parse_args()
    feed.install()  # as in the app: ORM writes are noted in the change feed
    server_url = _server_url()
    rows = [bench_size(server_url, int(size)) for size in args.sizes.split(",")]
    out = table(rows)
    print(out)
    header = (f"# Promise monitor benchmark\n\n`python -m bench.promises` on PostgreSQL, "
              f"{platform.machine()} / Python {platform.python_version()}, "
              f"run {datetime.now(UTC):%Y-%m-%d}. First the floor (bench/promises_floor.py: "
              "one SQL statement that makes and writes the same decisions and follow-ups; rolled"
              " back, and the bench stops unless the monitor's promises and follow-ups then "
              "match it exactly). Then one run of the monitor over every active "
              "promise (temporary tables, a few INSERT … SELECT and UPDATE statements, change-"
              "feed notes for every promise changed, one follow-up per broken promise, one "
              "batch of their compliance timing), then a second run that must change "
              f"nothing. Between them the follow-ups' backlog is timed for {TIMING_S:.0f} s as "
              "the job does (docs/scheduler.md): the last column is that rate.\n\n")
    RESULTS.write_text(header + out + "\n")


if __name__ == "__main__":
    main()
