"""Sync benchmarks on PostgreSQL: push throughput vs raw inserts, first pull, empty pull.

Run `python -m bench.sync` with DATABASE_URL or TEST_DATABASE_URL naming a PostgreSQL server;
a throwaway database is created and dropped. Prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date
from decimal import Decimal

import psycopg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bench.pgdb import throwaway_database
from server.config import normalise_database_url
from server.facts.deferred import run_fact_effects
from server.models import (
    Account,
    Address,
    Agency,
    Case,
    Device,
    Party,
    Team,
    User,
    Visit,
    VisitAssignee,
    new_id,
    utcnow,
)
from server.sync.push import PushContext
from server.sync.scope import Who
from server.sync.service import pull, push

DEVICE = "bench-phone"  # sync only accepts tokens issued to a registered device
FACT_COLUMNS = {
    "check_ins": ("id", "visit_id", "kind", "lat", "lng", "accuracy_m", "recorded_at"),
    "visit_notes": ("id", "visit_id", "body", "recorded_at"),
    "visit_outcomes": ("id", "visit_id", "code", "discussed_debt", "recording_made", "note",
                       "recorded_at"),
}


def seed(session, visits: int) -> tuple[str, list[str]]:
    """One collector with `visits` assigned visits (one case, debtor, account, address each)."""
    lender, team_agency = new_id(), new_id()
    session.execute(insert(Agency), [
        {"id": lender, "code": "BL", "name": "Bench lender", "kind": "lender"},
        {"id": team_agency, "code": "BA", "name": "Bench agency"}])
    team = new_id()
    session.execute(insert(Team).values(id=team, agency_id=team_agency, code="BT", name="T"))
    collector = new_id()
    session.execute(insert(User).values(id=collector, username="bench-collector", password_hash="x",
                                        role="collector", team_id=team, agency_id=team_agency))
    session.execute(insert(Device).values(id=DEVICE, user_id=collector))
    rows: dict[str, list] = {k: [] for k in ("p", "c", "a", "ad", "v", "va")}
    visit_ids = []
    for i in range(visits):
        p, c, ad, v = new_id(), new_id(), new_id(), new_id()
        visit_ids.append(v)
        rows["p"].append({"id": p, "lender_id": lender, "external_id": f"P{i}",
                          "full_name": "张三", "national_id": "310101199001011234"})
        rows["c"].append({"id": c, "lender_id": lender, "external_id": f"C{i}",
                          "debtor_id": p})
        rows["a"].append({"id": new_id(), "lender_id": lender, "external_id": f"A{i}",
                          "case_id": c, "principal": Decimal("10000"),
                          "outstanding": Decimal("8000"), "dpd": 45, "bucket": "M2"})
        rows["ad"].append({"id": ad, "party_id": p, "raw_text": f"上海市黄浦区人民大道{i}号",
                           "lat": 31.23, "lng": 121.47})
        rows["v"].append({"id": v, "case_id": c, "address_id": ad, "team_id": team,
                          "status": "assigned", "scheduled_on": date.today()})
        rows["va"].append({"id": new_id(), "visit_id": v, "user_id": collector})
    for model, key in ((Party, "p"), (Case, "c"), (Account, "a"), (Address, "ad"),
                       (Visit, "v"), (VisitAssignee, "va")):
        session.execute(insert(model), rows[key])
    session.commit()
    # Statistics as a live database has them (autovacuum would analyse these within a minute);
    # without them the planner takes the collector's 1,000 assignments for one row.
    session.connection().exec_driver_sql("ANALYZE")
    session.commit()
    return collector, visit_ids


def facts_batch(visit_ids: list[str], n: int, prefix: str, start: int,
                kinds=("check_ins", "visit_notes", "visit_outcomes")) -> dict:
    """n facts (by default check-ins, notes, outcomes in turn), as a device sends them."""
    changes: dict = {t: {"created": [], "updated": [], "deleted": []} for t in FACT_COLUMNS}
    ms = int(time.time() * 1000)
    for i in range(n):
        visit = visit_ids[(start + i) % len(visit_ids)]
        fid = f"{prefix}{start + i}"
        kind = kinds[i % len(kinds)]
        row = {"check_ins": {"id": fid, "visit_id": visit, "kind": "in", "lat": 31.2,
                             "lng": 121.4, "accuracy_m": 9.0, "recorded_at": ms},
               "visit_notes": {"id": fid, "visit_id": visit, "body": "door closed",
                               "recorded_at": ms},
               "visit_outcomes": {"id": fid, "visit_id": visit, "code": "NOT_HOME",
                                  "discussed_debt": False, "recording_made": False,
                                  "note": None, "recorded_at": ms}}[kind]
        changes[kind]["created"].append(row)
    return changes


def raw_insert(conn: psycopg.Connection, changes: dict, collector: str) -> None:
    """The same rows with plain psycopg executemany: the floor a service can't beat."""
    now = utcnow()
    with conn.cursor() as cur:
        for table, parts in changes.items():
            cols = FACT_COLUMNS[table]
            extra = ("user_id", "received_at", "digest")
            sql = (f"INSERT INTO {table} ({', '.join(cols + extra)}) VALUES "
                   f"({', '.join(['%s'] * (len(cols) + len(extra)))})")
            params = []
            for r in parts["created"]:
                values = [r[c] for c in cols]
                values[-1] = now  # recorded_at
                params.append((*values, collector, now, "0" * 64))
            if params:
                cur.executemany(sql, params)
    conn.commit()


def _time_push(session, ctx, batch, cursor) -> float:
    start = time.perf_counter()
    push(session, ctx, batch, cursor, DEVICE, None, "x")
    session.commit()
    return time.perf_counter() - start


def _time_effects(session) -> float:
    """What the worker does once the push's answer is out: ledger, address evidence, flags."""
    start = time.perf_counter()
    run_fact_effects(session)
    session.commit()
    return time.perf_counter() - start


def _time_raw(conn, batch, collector) -> float:
    start = time.perf_counter()
    raw_insert(conn, batch, collector)
    return time.perf_counter() - start


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run(server_url: str, visits: int, batches: int, batch_size: int) -> list[str]:
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    lines = []
    with throwaway_database(server_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "INSTANCE_DIR": "/tmp/doorstep-bench"})
        with app.app_context():
            upgrade()
            session = db.session
            collector, visit_ids = seed(session, visits)
            now = utcnow()
            who = Who(collector, now, now.date())
            query = {"last_pulled_at": None, "schema_version": 1, "migration": None,
                     "limit": None}

            def first_pull():
                answer = pull(session, who, query, None, DEVICE)
                session.commit()
                return answer

            answer = first_pull()
            rows = sum(len(p["created"]) + len(p["updated"]) for p in answer["changes"].values())
            first = timed(first_pull, 5)
            encode = timed(lambda: json.dumps(first_pull()), 3)
            cursor = answer["timestamp"]
            inc = {**query, "last_pulled_at": cursor}

            def empty_pull():
                pull(session, who, inc, None, DEVICE)
                session.commit()

            empty_pull()
            empty = timed(empty_pull, 200)
            raw_conn = psycopg.connect(make_url(url).set(drivername="postgresql")
                                       .render_as_string(hide_password=False))

            def raw_select():
                raw_conn.execute("SELECT 1 FROM sync_changes WHERE txid >= %s LIMIT 1",
                                 (10**12,)).fetchone()
                raw_conn.commit()

            raw_sel = timed(raw_select, 200)
            ctx = PushContext(who, None, 0)
            service_t, raw_t, replay_t, plain_t, plain_raw_t = [], [], [], [], []
            effects_t, plain_effects_t = [], []
            plain = ("check_ins", "visit_notes")
            for b in range(batches):
                batch = facts_batch(visit_ids, batch_size, "s", b * batch_size)
                service_t.append(_time_push(session, ctx, batch, cursor))
                effects_t.append(_time_effects(session))
                replay_t.append(_time_push(session, ctx, batch, cursor))
                raw_t.append(_time_raw(raw_conn, facts_batch(visit_ids, batch_size, "r",
                                                             b * batch_size), collector))
                batch = facts_batch(visit_ids, batch_size, "p", b * batch_size, plain)
                plain_t.append(_time_push(session, ctx, batch, cursor))
                plain_effects_t.append(_time_effects(session))
                plain_raw_t.append(_time_raw(raw_conn, facts_batch(
                    visit_ids, batch_size, "q", b * batch_size, plain), collector))
            raw_conn.close()
            db.session.remove()
            db.engine.dispose()

    def rate(ts):
        return batch_size / statistics.median(ts)

    ms = lambda ts: f"{statistics.median(ts) * 1000:.1f} ms"  # noqa: E731
    lines += ["| measure | figure | target |", "|---|---|---|",
              f"| push {batch_size} facts (1/3 outcomes, each completing its visit), service "
              f"layer, median of {batches} | "
              f"{ms(service_t)} = {rate(service_t):,.0f} facts/s | |",
              f"| same rows, raw psycopg executemany | {ms(raw_t)} = {rate(raw_t):,.0f} rows/s | |",
              f"| **service / raw** | **{rate(service_t) / rate(raw_t):.2f}x** | >= 0.5x |",
              f"| push {batch_size} check-ins + notes (no visit to complete) | "
              f"{ms(plain_t)} = {rate(plain_t):,.0f} facts/s | |",
              f"| same rows, raw psycopg executemany | {ms(plain_raw_t)} | |",
              f"| **service / raw, check-ins + notes** | "
              f"**{rate(plain_t) / rate(plain_raw_t):.2f}x** | >= 0.5x |",
              f"| replayed push of the same {batch_size} facts (all no-ops) | {ms(replay_t)} | |",
              f"| after the answer: ledger, address evidence, compliance flags of the "
              f"{batch_size} mixed facts (server/facts/deferred.py) | {ms(effects_t)} | |",
              f"| same, {batch_size} check-ins + notes | {ms(plain_effects_t)} | |",
              f"| first pull, {visits} visits ({rows:,} rows), server time | {ms(first)} | < 1 s |",
              f"| first pull incl. JSON encoding | {ms(encode)} | |",
              f"| empty incremental pull (median of 200) | {ms(empty)} | |",
              f"| raw indexed SELECT on sync_changes (median of 200) | {ms(raw_sel)} | |"]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server or not normalise_database_url(server).startswith("postgresql"):
        raise SystemExit("set DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server")
    print(f"## Sync benchmarks (PostgreSQL, {time.strftime('%Y-%m-%d')})\n")
    print("\n".join(run(server, args.visits, args.batches, args.batch_size)))


if __name__ == "__main__":
    main()
