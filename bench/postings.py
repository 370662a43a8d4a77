"""Lender postings benchmark on PostgreSQL: a file of 1,000,000 postings imported through the
service, beside a raw COPY of the same rows in the same run; the promise monitor's run time
before and after they are there.

Run `python -m bench.postings [--postings 1000000 --accounts 250000]` with TEST_DATABASE_URL
(or DATABASE_URL) pointing at a PostgreSQL server; a throwaway database is created and dropped.
Prints a markdown table and writes it to docs/postings_bench_results.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.pgdb import throwaway_database
from bench.promises import GENERATE, NOW
from server.compliance.profile_store import seed_profiles
from server.config import normalise_database_url
from server.db import feed
from server.models import Base, Role
from server.payments.service import import_postings
from server.promises.monitor import run_promise_monitor

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "postings_bench_results.md"
ZONE = ZoneInfo("Asia/Shanghai")
CALLER = SimpleNamespace(role=Role.ADMIN, user_id=None, agency_id=None)
DATA = GENERATE  # bench.promises' data: one account and one active promise per case
RAW = ("CREATE TABLE raw_postings (txn_id text, account_id text, amount numeric(14,2),"
       " paid_at timestamptz, channel text)")


def _server_url() -> str:
    raw = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    url = normalise_database_url(raw)
    if not url.startswith("postgresql"):
        raise SystemExit("set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server")
    return url


def postings_file(n: int, accounts: int) -> bytes:
    """n payments over the accounts of bench.promises, in March, one in 50 for no account."""
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    lines = ["txn_id,account_id,amount,paid_at,channel"]
    for i in range(n):
        account = f"ac{i % accounts + 1}" if i % 50 else f"unknown{i}"
        paid = start + timedelta(minutes=i % 40000)
        lines.append(f"T{i},{account},{100 + i % 7}.00,{paid.isoformat()},transfer")
    return ("\n".join(lines) + "\n").encode()


def _monitor_s(engine) -> float:
    """One monitor run, rolled back: the same promises are judged before and after."""
    with Session(engine) as session:
        started = time.perf_counter()
        run_promise_monitor(session, NOW, budget_s=0)
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed


def bench(server_url: str, n: int, accounts: int) -> dict:
    data = postings_file(n, accounts)
    with throwaway_database(server_url, "doorstep_bench") as url:
        engine = create_engine(url)
        try:
            Base.metadata.create_all(engine)
            with engine.begin() as conn:
                for sql in DATA:
                    conn.execute(text(sql), {"n": accounts})
                conn.execute(text("ANALYZE"))
            with Session(engine) as session:
                seed_profiles(session)
                session.commit()
            before = _monitor_s(engine)
            raw_s = _raw_copy(engine, data)
            started = time.perf_counter()
            with Session(engine) as session:
                report = import_postings(session, CALLER, io.BytesIO(data), "p.csv", "L",
                                         NOW, ZONE)
                session.commit()
            import_s = time.perf_counter() - started
            with engine.connect() as conn:
                conn.execute(text("ANALYZE lender_postings"))
                conn.commit()
            after = _monitor_s(engine)
            started = time.perf_counter()
            with Session(engine) as session:
                replay = import_postings(session, CALLER, io.BytesIO(data), "p.csv", "L",
                                         NOW, ZONE)
                session.commit()
            replay_s = time.perf_counter() - started
        finally:
            engine.dispose()
    return {"n": n, "accounts": accounts, "raw_s": raw_s, "import_s": import_s,
            "replay_s": replay_s, "monitor_before_s": before, "monitor_after_s": after,
            "applied": report["applied"], "unmatched": report["unmatched"],
            "replayed": replay["replayed"], "load": os.getloadavg()}


def _raw_copy(engine, data: bytes) -> float:
    """The floor: COPY the same CSV into a bare table with the file's columns."""
    with engine.connect() as conn:
        conn.execute(text(RAW))
        conn.commit()
        cursor = conn.connection.driver_connection.cursor()
        started = time.perf_counter()
        with cursor.copy("COPY raw_postings FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(data)
        conn.connection.driver_connection.commit()
        return time.perf_counter() - started


def table(rows: list[dict]) -> str:
    lines = ["| postings | accounts | raw COPY (s) | import (s) | import / COPY | µs / posting "
             "| applied | unmatched | replay of the file (s) | monitor before (s) "
             "| monitor with postings (s) | load average (1/5/15 min, at the end) |",
             "|" + "---:|" * 11 + "---|"]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['accounts']:,} | {r['raw_s']:.1f} | {r['import_s']:.1f} "
            f"| {r['import_s'] / r['raw_s']:.1f}× | {r['import_s'] / r['n'] * 1e6:.0f} "
            f"| {r['applied']:,} | {r['unmatched']:,} | {r['replay_s']:.1f} "
            f"| {r['monitor_before_s']:.1f} | {r['monitor_after_s']:.1f} "
            f"| {'/'.join(f'{x:.1f}' for x in r['load'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=250_000)
    args = parser.parse_args()
    feed.install()
    out = table([bench(_server_url(), args.postings, args.accounts)])
    print(out)
    RESULTS.write_text(
        f"# Lender postings benchmark\n\n`python -m bench.postings` on PostgreSQL, "
        f"{platform.machine()} / Python {platform.python_version()}, run "
        f"{datetime.now(UTC):%Y-%m-%d}. One CSV file of postings (1 in 50 for an account "
        "Doorstep does not know) imported by `import_postings` (check every row; per 50,000 "
        "rows: classify against the stored postings, COPY the new ones into a temporary "
        "table, join their accounts, INSERT … SELECT, append the money moves; then one "
        "UPDATE … FROM of the accounts, change feed, receipt matching, settlement check) "
        "beside a raw COPY of the same bytes into a "
        "bare table in the same run; then the same file again (every row a replay). The "
        "promise monitor (bench.promises' data: one active promise per account) is run before "
        "and after the postings exist, each run rolled back so both judge the same promises."
        "\n\n" + out + "\n")


if __name__ == "__main__":
    main()
