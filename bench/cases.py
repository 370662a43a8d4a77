"""Case search and timeline benchmark on PostgreSQL: 1,000,000 cases, the service beside the
raw indexed SELECT of the same rows, in the same run.

Run `python -m bench.cases [--cases 1000000] [--runs 200]` with TEST_DATABASE_URL (or
DATABASE_URL) pointing at a PostgreSQL server; a throwaway database is generated with
generate_series. Each search runs as GET /cases does (scope, search, count, page, list rows,
the audit event and its commit), as a dispatcher of the agency every case is placed with.
Prints a markdown table and writes it to docs/cases_bench_results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.pgdb import throwaway_database
from server.api.audited import audited_page
from server.cases.search import search_cases
from server.cases.summaries import case_rows
from server.cases.timeline import case_timeline
from server.config import normalise_database_url
from server.models import Base
from server.unit_of_work import use_case

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "cases_bench_results.md"
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
EVENTS = 997  # facts on the timeline case: with its opening, placement and visit, 1,000 entries

GENERATE = [
    "INSERT INTO agencies (id, code, name, kind, jurisdiction, created_at, updated_at) VALUES"
    " ('L', 'L', 'Lender', 'lender', 'CN', now(), now()),"
    " ('A', 'A', 'Agency', 'outsourced', 'CN', now(), now())",
    "INSERT INTO users (id, username, password_hash, role, display_name, agency_id,"
    " shift_start_min, shift_end_min, daily_capacity, active, created_at, updated_at)"
    " VALUES ('d', 'd', 'x', 'dispatcher', 'd', 'A', 540, 1080, 8, true, now(), now()),"
    " ('g', 'g', 'x', 'collector', 'collector', 'A', 540, 1080, 8, true, now(), now())",
    # 名 + number: names share prefixes as real ones do; ids end in every 4 digits ~100 times
    "INSERT INTO parties (id, lender_id, external_id, full_name, national_id, language,"
    " vulnerable, attorney_represented, preferred_windows, created_at, updated_at)"
    " SELECT 'p'||g, 'L', 'p'||g, '王'||g, '3101011990'||lpad(g::text, 8, '0'), 'zh-CN',"
    " false, false, '[]', now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO cases (id, lender_id, external_id, debtor_id, status, priority, jurisdiction,"
    " dispute_open, hardship, opened_at, created_at, updated_at) SELECT 'c'||g, 'L', 'LC'||g,"
    " 'p'||g, 'open', g % 5, 'CN', g % 50 = 0, false, now() - (g % 400) * interval '1 day',"
    " now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO accounts (id, lender_id, external_id, case_id, product, currency, principal,"
    " outstanding, overdue_amount, dpd, bucket, created_at, updated_at) SELECT 'ac'||g, 'L',"
    " 'LA'||g, 'c'||g, 'loan', 'CNY', 10000, 8000, 1000, g % 180, 'M'||least(g % 180 / 30, 6),"
    " now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO contact_points (id, party_id, channel, value, valid, created_at, updated_at)"
    " SELECT 'cp'||g, 'p'||g, 'phone', '138'||lpad(g::text, 8, '0'), true, now(), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO addresses (id, party_id, kind, raw_text, verification_state, time_zone,"
    " lat, lng, created_at, updated_at) SELECT 'a'||g, 'p'||g, 'home', 'addr', 'geocoded',"
    " 'Asia/Shanghai', 31.2, 121.4, now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO placements (id, case_id, agency_id, placed_at) SELECT 'pl'||g, 'c'||g, 'A',"
    " now() FROM generate_series(1, :n) g",
    # The timeline case c1: one visit with EVENTS check-ins and notes between them.
    "INSERT INTO visits (id, case_id, address_id, status, scheduled_on, mandatory, purpose,"
    " required_collectors, priority, service_minutes, version, created_at, updated_at) VALUES"
    " ('v1', 'c1', 'a1', 'assigned', date '2026-12-01', false, 'collection', 2, 0, 20, 1,"
    " now(), now())",
    "INSERT INTO check_ins (id, recorded_at, received_at, digest, user_id, visit_id, kind, lat,"
    " lng) SELECT 'ci'||g, timestamptz '2026-11-01 02:00+00' + g * interval '1 hour', now(),"
    " 'x', 'g', 'v1', 'in', 31.2, 121.4 FROM generate_series(1, :e / 2) g",
    "INSERT INTO visit_notes (id, recorded_at, received_at, digest, user_id, visit_id, body)"
    " SELECT 'vn'||g, timestamptz '2026-11-01 02:30+00' + g * interval '1 hour', now(), 'x',"
    " 'g', 'v1', 'note '||g FROM generate_series(1, :e - :e / 2) g",
]

RAW = {
    "case_ref": "SELECT * FROM cases WHERE external_id = :v",
    "account_ref": "SELECT c.* FROM accounts a JOIN cases c ON c.id = a.case_id"
                   " WHERE a.external_id = :v",
    "phone": "SELECT c.* FROM contact_points cp JOIN cases c ON c.debtor_id = cp.party_id"
             " WHERE cp.value = :v",
    "name": "SELECT c.* FROM parties p JOIN cases c ON c.debtor_id = p.id"
            " WHERE p.full_name LIKE :v ORDER BY c.opened_at DESC LIMIT 50",
    "national_id_last4": "SELECT c.* FROM parties p JOIN cases c ON c.debtor_id = p.id"
                         " WHERE substr(p.national_id, length(p.national_id) - 3) = :v"
                         " ORDER BY c.opened_at DESC LIMIT 50",
}


def _value(kind: str, rng: random.Random, n: int) -> str:
    g = rng.randint(1, n)
    return {"case_ref": f"LC{g}", "account_ref": f"LA{g}", "phone": f"138{g:08d}",
            "name": f"王{g}", "national_id_last4": f"{g % 10000:04d}"}[kind]


class Pages(SimpleNamespace):
    """flask-smorest's pagination parameters, as the view receives them."""


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def _ours(engine, caller, kind: str, value: str) -> float:
    started = time.perf_counter()
    with use_case(lambda: Session(engine)) as session:
        query = {kind: value}
        stmt = search_cases(session, caller, query, NOW)
        page = audited_page(session, caller.user_id, "case", stmt, query,
                            Pages(page=1, page_size=50, item_count=None))
        case_rows(session, caller.role, page, NOW)
    return time.perf_counter() - started


def _raw(engine, kind: str, value: str) -> float:
    sql = RAW[kind]
    value = f"{value}%" if kind == "name" else value
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text(sql), {"v": value}).all()
    return time.perf_counter() - started


def _timeline(engine, caller) -> tuple[float, float, int]:
    started = time.perf_counter()
    seen, after = 0, None
    with use_case(lambda: Session(engine)) as session:
        while True:
            page = case_timeline(session, caller, "c1", (), after, 1000)
            seen += len(page["entries"])
            after = page["next"]
            if after is None:
                break
    ours = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SELECT * FROM check_ins WHERE visit_id = 'v1'"
                          " ORDER BY recorded_at")).all()
        conn.execute(text("SELECT * FROM visit_notes WHERE visit_id = 'v1'"
                          " ORDER BY recorded_at")).all()
    return ours, time.perf_counter() - started, seen


def run(server_url: str, n: int, runs: int) -> tuple[list[dict], dict]:
    with throwaway_database(server_url, "doorstep_bench") as url:
        engine = create_engine(url)
        try:
            return _measure(engine, n, runs)
        finally:
            engine.dispose()


def _measure(engine, n: int, runs: int) -> tuple[list[dict], dict]:
    """Generate n cases in `engine`'s database, then time our searches beside the raw ones."""
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        for sql in GENERATE:
            conn.execute(text(sql), {"n": n, "e": EVENTS})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"generated {n:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
    caller = SimpleNamespace(user_id="d", role="dispatcher", agency_id="A", team_id=None)
    rows, rng = [], random.Random(15)
    for kind in RAW:
        values = [_value(kind, rng, n) for _ in range(runs)]
        for value in values[:5]:  # warm the caches and the compiled-statement cache
            _ours(engine, caller, kind, value), _raw(engine, kind, value)
        ours, raw = [], []
        for value in values:  # interleaved, so load on the box hits both alike
            ours.append(_ours(engine, caller, kind, value))
            raw.append(_raw(engine, kind, value))
        rows.append({"kind": kind, "ours_p50": statistics.median(ours) * 1000,
                     "ours_p95": _p95(ours), "raw_p50": statistics.median(raw) * 1000,
                     "raw_p95": _p95(raw)})
    _timeline(engine, caller)
    samples = [_timeline(engine, caller) for _ in range(60)]
    timeline = {"events": samples[0][2],
                "ours_p50": statistics.median(s[0] for s in samples) * 1000,
                "ours_p95": _p95([s[0] for s in samples]),
                "raw_p50": statistics.median(s[1] for s in samples) * 1000}
    return rows, timeline


def table(rows: list[dict], timeline: dict) -> str:
    lines = ["| search (dispatcher, 1 of n cases) | GET /cases p50 (ms) | p95 (ms) "
             "| raw indexed SELECT p50 (ms) | p95 (ms) | p95 ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['kind']} | {r['ours_p50']:.1f} | **{r['ours_p95']:.1f}** "
                     f"| {r['raw_p50']:.2f} | {r['raw_p95']:.2f} "
                     f"| {r['ours_p95'] / r['raw_p95']:.1f}× |")
    lines += ["", "| timeline | events | whole feed p50 (ms) | p95 (ms) "
              "| raw SELECT of the facts p50 (ms) |", "|---|---:|---:|---:|---:|",
              f"| one case, one page | {timeline['events']:,} | {timeline['ours_p50']:.1f}"
              f" | **{timeline['ours_p95']:.1f}** | {timeline['raw_p50']:.2f} |"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    raw = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    server_url = normalise_database_url(raw)
    if not server_url.startswith("postgresql"):
        raise SystemExit("set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server")
    rows, timeline = run(server_url, args.cases, args.runs)
    out = table(rows, timeline)
    print(out)
    header = (f"# Case search benchmark\n\n`python -m bench.cases --cases {args.cases}` on "
              f"PostgreSQL, {platform.machine()} / Python {platform.python_version()}, run "
              f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores shared with other work. "
              f"{args.runs} searches of each kind for random targets, each as GET /cases runs "
              "it (dispatcher scope, search, count, a page of 50, list rows in 6 queries, the "
              "audit event and its commit), interleaved with the raw indexed SELECT of the "
              "same rows on one connection. The timeline reads a case's whole feed "
              f"(1,000 entries: {EVENTS:,} field facts and the case's own events) in one "
              "page (limit 1,000).\n\n")
    RESULTS.write_text(header + out + "\n")


if __name__ == "__main__":
    main()
