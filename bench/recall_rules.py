"""Recall by rules on PostgreSQL: n placed cases, the dry run of four rules (no right-party
contact, low recovery, two complaints, an upheld complaint) beside the raw read of the
candidates, then one real run of what they select.

Run `python -m bench.recall_rules [--cases 200000] [--runs 5]` with TEST_DATABASE_URL (or
DATABASE_URL) pointing at a PostgreSQL server; a throwaway database is generated with
generate_series. Prints the figures (docs/benchmarks.md keeps them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.pgdb import throwaway_database
from server.config import normalise_database_url
from server.models import Base
from server.payments.recall_rules import plan_recall, recall_by_rules
from server.unit_of_work import use_case

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
RULES = [
    {"name": "silent", "kind": "performance", "placed_days": 60, "no_right_party_contact": True},
    {"name": "low recovery", "kind": "performance", "placed_days": 60,
     "recovery_rate_below": Decimal("0.05"), "within_days": 90},
    {"name": "two complaints", "kind": "complaints", "min_complaints": 2},
    {"name": "upheld", "kind": "complaints", "upheld": True},
]
GENERATE = [
    "INSERT INTO agencies (id, code, name, kind, jurisdiction, created_at, updated_at) VALUES"
    " ('L', 'L', 'Lender', 'lender', 'CN', now(), now()),"
    " ('A', 'A', 'Agency', 'outsourced', 'CN', now(), now())",
    "INSERT INTO users (id, username, password_hash, role, display_name, agency_id,"
    " shift_start_min, shift_end_min, daily_capacity, active, created_at, updated_at)"
    " VALUES ('g', 'g', 'x', 'collector', 'collector', 'A', 540, 1080, 8, true, now(), now())",
    "INSERT INTO parties (id, lender_id, external_id, full_name, language, vulnerable,"
    " attorney_represented, preferred_windows, created_at, updated_at)"
    " SELECT 'p'||g, 'L', 'p'||g, '王'||g, 'zh-CN', false, false, '[]', now(), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO cases (id, lender_id, external_id, debtor_id, status, priority, jurisdiction,"
    " dispute_open, hardship, opened_at, created_at, updated_at) SELECT 'c'||g, 'L', 'LC'||g,"
    " 'p'||g, 'open', 0, 'CN', false, false, now(), now(), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO accounts (id, lender_id, external_id, case_id, product, currency, principal,"
    " outstanding, overdue_amount, dpd, bucket, created_at, updated_at) SELECT 'ac'||g, 'L',"
    " 'LA'||g, 'c'||g, 'loan', 'CNY', 10000, 8000, 1000, 45, 'M2', now(), now()"
    " FROM generate_series(1, :n) g",
    # placed 0..119 days before NOW
    "INSERT INTO placements (id, case_id, agency_id, placed_at) SELECT 'pl'||g, 'c'||g, 'A',"
    " :now - (g % 120) * interval '1 day' FROM generate_series(1, :n) g",
    # every other case: a right-party contact by the agency's collector 0..59 days ago
    "INSERT INTO contact_attempts (id, case_id, party_id, channel, user_id, occurred_at,"
    " connected) SELECT 'ca'||g, 'c'||g, 'p'||g, 'visit', 'g',"
    " :now - (g % 60) * interval '1 day' - interval '1 hour', true"
    " FROM generate_series(2, :n, 2) g",
    # every third: a posting of 100..400 in the last 30 days
    "INSERT INTO lender_postings (id, lender_id, txn_id, kind, account_ref, account_id, amount,"
    " currency, paid_at, channel, digest, source, received_at) SELECT 'lp'||g, 'L', 't'||g,"
    " 'payment', 'LA'||g, 'ac'||g, 100 * (1 + g % 4), 'CNY',"
    " :now - (g % 30) * interval '1 day' - interval '1 hour', 'transfer', 'x', 'api', now()"
    " FROM generate_series(3, :n, 3) g",
    # every 50th: a complaint yesterday; every 100th a second one; every 200th upheld
    "INSERT INTO complaints (id, case_id, category, channel, description, subject_user_ids,"
    " status, received_at, complex, upheld, created_at, updated_at) SELECT 'co'||g, 'c'||g,"
    " 'conduct', 'staff', 'rude', '[]', CASE WHEN g % 200 = 0 THEN 'resolved' ELSE 'received'"
    " END, :now - interval '1 day', false, g % 200 = 0, now(), now()"
    " FROM generate_series(50, :n, 50) g",
    "INSERT INTO complaints (id, case_id, category, channel, description, subject_user_ids,"
    " status, received_at, complex, created_at, updated_at) SELECT 'cq'||g, 'c'||g,"
    " 'conduct', 'staff', 'rude', '[]', 'received', :now - interval '2 days', false, now(),"
    " now() FROM generate_series(100, :n, 100) g",
]
RAW = ("SELECT p.case_id, p.agency_id, p.placed_at, c.external_id FROM placements p"
       " JOIN cases c ON c.id = p.case_id JOIN agencies a ON a.id = p.agency_id"
       " WHERE c.lender_id = 'L' AND c.status IN ('open', 'paused', 'returned')"
       " AND p.returned_at IS NULL AND a.kind = 'outsourced' ORDER BY c.external_id")


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _plan(engine):
    with Session(engine) as session:
        return plan_recall(session, "L", RULES, [], NOW)


def _raw(engine):
    with engine.connect() as conn:
        return conn.execute(text(RAW)).all()


def measure(engine, n: int, runs: int) -> dict:
    Base.metadata.create_all(engine)
    generated, _ = _timed(lambda: _generate(engine, n))
    print(f"generated {n:,} placed cases in {generated:.0f} s", flush=True)
    _plan(engine), _raw(engine)  # warm caches
    ours, raw = [], []
    for _ in range(runs):  # interleaved, so load on the box hits both alike
        seconds, plan = _timed(lambda: _plan(engine))
        ours.append(seconds)
        raw.append(_timed(lambda: _raw(engine))[0])
    spec = {"rules": RULES, "dry_run": False, "return_case": False, "limit": 1, "offset": 0}

    def real():
        with use_case(lambda: Session(engine)) as session:
            return recall_by_rules(session, None, "L", spec, NOW)
    real_s, done = _timed(real)
    return {"cases": n, "candidates": plan["candidates"], "matched": len(plan["picked"]),
            "per_rule": {r["name"]: r["matched"] for r in plan["rules"]},
            "dry_run_s": statistics.median(ours), "raw_candidates_s": statistics.median(raw),
            "real_run_s": real_s, "recalled": done["recalled"], "visits": done["visits"]}


def _generate(engine, n: int) -> None:
    with engine.begin() as conn:
        for sql in GENERATE:
            conn.execute(text(sql), {"n": n, "now": NOW})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("TEST_DATABASE_URL must point at a PostgreSQL server")
    with throwaway_database(normalise_database_url(url), "doorstep_bench") as db_url:
        engine = create_engine(db_url)
        try:
            figures = measure(engine, args.cases, args.runs)
        finally:
            engine.dispose()
    for key, value in figures.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
