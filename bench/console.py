"""Console benchmark on PostgreSQL: today's board of 2,000 visits and the map of 2,000 markers,
server time through the whole page (scope, queries, read audit and its commit, rendering),
beside the raw SELECT of the same rows, in the same run.

Run `python -m bench.console [--visits 2000] [--runs 30]` with TEST_DATABASE_URL (or
DATABASE_URL) pointing at a PostgreSQL server; a throwaway database is generated with
generate_series (one team of 20 collectors, each visit assigned to two of them, plus 50,000
visits of other days and teams the board must skip). Prints a markdown table and writes it to
docs/console_bench_results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bench.pgdb import throwaway_database
from server.auth.passwords import hash_password
from server.config import normalise_database_url
from server.models import Base

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "console_bench_results.md"
PASSWORD = "bench-console-password"
COLLECTORS = 20

GENERATE = [
    "INSERT INTO agencies (id, code, name, kind, jurisdiction, created_at, updated_at) VALUES"
    " ('L', 'L', 'Lender', 'lender', 'CN', now(), now()),"
    " ('A', 'A', 'Agency', 'outsourced', 'CN', now(), now())",
    "INSERT INTO teams (id, agency_id, code, name, territory, time_zone, created_at, updated_at)"
    " VALUES ('t', 'A', 'T1', 'Team', '[]', 'Asia/Shanghai', now(), now()),"
    " ('u', 'A', 'T2', 'Other', '[]', 'Asia/Shanghai', now(), now())",
    "INSERT INTO users (id, username, password_hash, role, display_name, agency_id, team_id,"
    " shift_start_min, shift_end_min, daily_capacity, active, created_at, updated_at)"
    " VALUES ('d', 'disp', :hash, 'dispatcher', 'd', 'A', 't', 540, 1080, 8, true, now(), now())",
    "INSERT INTO users (id, username, password_hash, role, display_name, agency_id, team_id,"
    " shift_start_min, shift_end_min, daily_capacity, active, created_at, updated_at)"
    " SELECT 'g'||g, 'collector'||g, 'x', 'collector', '催收员'||g, 'A', 't', 540, 1080, 200, true,"
    " now(), now() FROM generate_series(1, :c) g",
    "INSERT INTO parties (id, lender_id, external_id, full_name, national_id, language,"
    " vulnerable, attorney_represented, preferred_windows, created_at, updated_at)"
    " SELECT 'p'||g, 'L', 'p'||g, '王'||g, '3101011990'||lpad(g::text, 8, '0'), 'zh-CN',"
    " false, false, '[]', now(), now() FROM generate_series(1, :n + :other) g",
    "INSERT INTO cases (id, lender_id, external_id, debtor_id, status, priority, jurisdiction,"
    " dispute_open, hardship, opened_at, created_at, updated_at) SELECT 'c'||g, 'L', 'LC'||g,"
    " 'p'||g, 'open', g % 5, 'CN', false, false, now(), now(), now()"
    " FROM generate_series(1, :n + :other) g",
    "INSERT INTO addresses (id, party_id, kind, raw_text, district, verification_state,"
    " time_zone, lat, lng, created_at, updated_at) SELECT 'a'||g, 'p'||g, 'home',"
    " '上海市浦东新区某路'||g||'号', '浦东新区', 'geocoded', 'Asia/Shanghai',"
    " 31.1 + (g % 97) * 0.003, 121.4 + (g % 89) * 0.004, now(), now()"
    " FROM generate_series(1, :n + :other) g",
    "INSERT INTO placements (id, case_id, agency_id, placed_at) SELECT 'pl'||g, 'c'||g, 'A',"
    " now() FROM generate_series(1, :n + :other) g",
    # today's visits of team t, then other days' and the other team's
    "INSERT INTO visits (id, case_id, address_id, team_id, status, scheduled_on, mandatory,"
    " purpose, required_collectors, priority, service_minutes, version, created_at, updated_at)"
    " SELECT 'v'||g, 'c'||g, 'a'||g, CASE WHEN g <= :n THEN 't' ELSE 'u' END,"
    " CASE WHEN g % 10 = 0 THEN 'completed' ELSE 'assigned' END,"
    " CASE WHEN g <= :n OR g % 2 = 0 THEN :today ELSE :today - (g % 30 + 1) END,"
    " false, 'collection', 2, g % 5, 20, 1, now(), now() FROM generate_series(1, :n + :other) g",
    "INSERT INTO visit_assignees (id, visit_id, user_id, role, assigned_at) SELECT 'va'||g,"
    " 'v'||g, 'g'||(g % :c + 1), 'lead', now() FROM generate_series(1, :n) g",
    "INSERT INTO visit_assignees (id, visit_id, user_id, role, assigned_at) SELECT 'vb'||g,"
    " 'v'||g, 'g'||((g + 7) % :c + 1), 'second', now() FROM generate_series(1, :n) g",
]

RAW = ("SELECT v.id, v.status, c.external_id, p.full_name, a.district, a.lat, a.lng"
       " FROM visits v JOIN cases c ON c.id = v.case_id JOIN parties p ON p.id = c.debtor_id"
       " JOIN addresses a ON a.id = v.address_id"
       " WHERE v.scheduled_on = :today AND v.team_id = 't'")
RAW_ASSIGNEES = ("SELECT va.visit_id, u.display_name FROM visit_assignees va"
                 " JOIN users u ON u.id = va.user_id JOIN visits v ON v.id = va.visit_id"
                 " WHERE v.scheduled_on = :today AND v.team_id = 't' AND va.ended_at IS NULL")


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def _timed(fn, cpu: list | None = None) -> float:
    started, cpu_started = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:  # this process's CPU only: what other load on the box cannot inflate
        cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started


def _signed_in_client(url: str):
    from server import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "AUDIT_HMAC_KEY": "bench", "AUDIT_ANCHOR_FILE": "",
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/console/sign-in", data={"username": "disp", "password": PASSWORD,
                                                   "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def run(server_url: str, n: int, other: int, runs: int) -> dict:
    with throwaway_database(server_url, "doorstep_bench") as url:
        engine = create_engine(url)
        try:
            return _measure(engine, url, n, other, runs)
        finally:
            engine.dispose()


def _measure(engine, url: str, n: int, other: int, runs: int) -> dict:
    """Generate the day, then time the board page and the map data beside the raw queries."""
    Base.metadata.create_all(engine)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    with engine.begin() as conn:
        for sql in GENERATE:
            conn.execute(text(sql), {"n": n, "other": other, "c": COLLECTORS, "today": today,
                                     "hash": hash_password(PASSWORD)})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    client = _signed_in_client(url)
    board = f"/console/board?team=T1&date={today.isoformat()}"
    shown = client.get(board).get_data(as_text=True).count("<tr data-visit=")
    markers = len(client.get(f"/console/map/data?team=T1&date={today}").get_json()["visits"])
    assert shown == n and markers == n, (shown, markers)

    def raw():
        with engine.connect() as conn:
            conn.execute(text(RAW), {"today": today}).all()
            conn.execute(text(RAW_ASSIGNEES), {"today": today}).all()

    samples = {"board": [], "map": [], "raw": [], "board_cpu": [], "map_cpu": []}
    for _ in range(3):  # warm caches and compiled statements
        client.get(board), client.get(f"/console/map/data?team=T1&date={today}"), raw()
    for _ in range(runs):  # interleaved, so load on the box hits all alike
        samples["board"].append(_timed(lambda: client.get(board).close(),
                                       samples["board_cpu"]))
        samples["map"].append(_timed(
            lambda: client.get(f"/console/map/data?team=T1&date={today}").close(),
            samples["map_cpu"]))
        samples["raw"].append(_timed(raw))
    return {"visits": n, "other": other, "load": os.getloadavg()[0], **{
        k: (statistics.median(v) * 1000, _p95(v)) for k, v in samples.items()}}


def table(r: dict) -> str:
    lines = [f"| {r['visits']:,} visits today (+{r['other']:,} others) | p50 (ms) | p95 (ms) |",
             "|---|---:|---:|"]
    names = {"board": "GET /console/board (whole HTML page, audited)",
             "board_cpu": "… of which Flask process CPU",
             "map": "GET /console/map/data (2,000 markers + routes, audited)",
             "map_cpu": "… of which Flask process CPU",
             "raw": "raw SELECT of the same rows (visits + assignees)"}
    for key, label in names.items():
        p50, p95 = r[key]
        lines.append(f"| {label} | {p50:.0f} | **{p95:.0f}** |")
    lines.append(f"\nLoad average during the run: {r['load']:.1f} (on {os.cpu_count()} cores).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--other", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not server:
        raise SystemExit("set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server")
    result = run(normalise_database_url(server), args.visits, args.other, args.runs)
    out = table(result)
    print(out)
    RESULTS.write_text(
        "# Console benchmark results\n\n"
        f"`python -m bench.console --visits {args.visits} --other {args.other} --runs "
        f"{args.runs}` on {platform.machine()}, {os.cpu_count()} cores, PostgreSQL; server time "
        "measured in-process (Flask's test client: routing, session, scope, queries, read "
        "audit and its commit, template rendering), the raw SELECT on the same connection "
        "pool.\n\n" + out + "\n")


if __name__ == "__main__":
    main()
