"""After the day: every fact a phone created is stored exactly once, and nothing went wrong."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from bench.loadlib.day import DispatchStats, PhoneResult
from bench.loadlib.timing import Sample
from client_stub.client import FACT_TABLES
from server.config import normalise_database_url
from server.facts.deferred import MAX_ATTEMPTS, run_fact_effects

# Answers that are part of the protocol, not errors: the dispatcher's stale version (409,
# read again) and rule findings (422, sent again with overrides).
EXPECTED = {
    "POST /api/v1/auth/tokens": {201},
    "POST /api/v1/sync/push": {200},
    "GET /api/v1/sync/pull": {200},
    "PUT /api/v1/attachments/{sha256}": {200, 201},
    "GET /api/v1/visits/{id}": {200},
    "PATCH /api/v1/visits/{id}": {200, 409, 422},
}


@dataclass
class Check:
    name: str
    expected: str
    got: str
    ok: bool


def http_errors(samples: list[Sample]) -> list[Sample]:
    """5xx, 429, unanswered requests and any 4xx the endpoint should not give."""
    return [s for s in samples if s.status not in EXPECTED.get(s.endpoint, {200})]


def db_now(database_url: str):
    """The database's clock: facts received from here on are the run's (the demo has its own)."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT now()")).scalar_one()
    finally:
        engine.dispose()


def settle_effects(database_url: str, wait_s: float = 15.0) -> dict:
    """Let the workers' post-push drains finish, then sweep what is left as the scheduler would.

    Ledger, address evidence and compliance flags follow a push (server/facts/deferred.py);
    a worker killed between a push's commit and its drain leaves them for the `fact_effects`
    job, which is what the sweep here stands for.
    """
    engine = create_engine(normalise_database_url(database_url))
    deadline = time.monotonic() + wait_s
    try:
        while True:
            with engine.connect() as conn:
                waiting = conn.execute(text("SELECT count(*) FROM sync_fact_effects "
                                            "WHERE attempts < :n"),
                                       {"n": MAX_ATTEMPTS}).scalar_one()
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    if not waiting:
        return {"left_to_sweep": 0}
    from server import create_app
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                      "SECRET_KEY": "verify", "INSTANCE_DIR": tempfile.mkdtemp()})
    with app.app_context():
        counts = run_fact_effects(db.session, rounds=1000)
        db.session.commit()
        db.engine.dispose()
    return {"left_to_sweep": waiting, **counts}


def verify(database_url: str, since, phones: list[PhoneResult], samples: list[Sample],
           dispatch: DispatchStats, moves: list[dict], server_problems: list[str],
           server_exit: int | None) -> tuple[list[Check], dict]:
    created: dict[str, dict[str, str]] = {t: {} for t in FACT_TABLES}  # table -> id -> device
    reused = 0
    settle_effects(database_url)
    for phone in phones:
        for table, ids in phone.created.items():
            for fact_id in ids:
                reused += fact_id in created[table]
                created[table][fact_id] = phone.collector.device_id
    devices = [p.collector.device_id for p in phones]
    stored: dict[str, dict[str, list[str]]] = {}
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            for table in FACT_TABLES:
                rows = conn.execute(text(f"SELECT id, device_id FROM {table} "
                                         "WHERE device_id = ANY(:d) AND received_at >= :t"),
                                    {"d": devices, "t": since}).all()
                per_id: dict[str, list[str]] = {}
                for fact_id, device in rows:
                    per_id.setdefault(fact_id, []).append(device)
                stored[table] = per_id
            outcome_ids = list(created["visit_outcomes"])
            attempts = dict(conn.execute(text(
                "SELECT source_id, count(*) FROM contact_attempts WHERE source_table = "
                "'visit_outcomes' AND source_id = ANY(:ids) GROUP BY source_id"),
                {"ids": outcome_ids}).all())
            quarantined = conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
    finally:
        engine.dispose()

    n_created = sum(len(ids) for ids in created.values())
    lost = sum(1 for t, ids in created.items() for i in ids if i not in stored[t])
    unexpected = sum(1 for t, rows in stored.items() for i in rows if i not in created[t])
    twice = sum(len(devs) - 1 for rows in stored.values() for devs in rows.values())
    wrong_device = sum(1 for t, rows in stored.items() for i, devs in rows.items()
                       if i in created[t] and any(d != created[t][i] for d in devs))
    n_stored = sum(len(devs) for rows in stored.values() for devs in rows.values())
    attempts_missing = sum(1 for i in outcome_ids if attempts.get(i, 0) == 0)
    attempts_twice = sum(n - 1 for n in attempts.values() if n > 1)
    not_acked = sum(p.statuses.get(s, 0) for p in phones for s in ("pending", "sending"))
    rejected = sum(p.statuses.get("rejected", 0) for p in phones)
    failed = [p for p in phones if p.error]
    errors = http_errors(samples)
    by_pair: dict[str, list[PhoneResult]] = {}
    for phone in phones:
        by_pair.setdefault(phone.collector.pair, []).append(phone)
    final: dict[str, str] = {}  # a visit may be moved twice: its last pair holds it
    former: dict[str, set[str]] = {}
    for move in moves:
        final[move["visit"]] = move["to"]
        former.setdefault(move["visit"], set()).add(move["from"])
    stale_on = [(v, p.collector.username) for v, pairs in former.items()
                for pair in pairs - {final[v]} for p in by_pair.get(pair, [])
                if v in p.held_visits]
    missing_on = [(v, p.collector.username) for v, pair in final.items()
                  for p in by_pair.get(pair, []) if v not in p.held_visits]
    stale, missing_moved = len(stale_on), len(missing_on)
    checks = [
        Check("phones finished their day", str(len(phones)), str(len(phones) - len(failed)),
              not failed),
        Check("facts created on phones", "> 0", str(n_created), n_created > 0),
        Check("fact ids generated twice by phones", "0", str(reused), reused == 0),
        Check("facts stored", str(n_created), str(n_stored), n_stored == n_created),
        Check("lost (created, not stored)", "0", str(lost), lost == 0),
        Check("duplicated (stored twice, or a row no phone created)", "0",
              str(twice + unexpected), twice + unexpected == 0),
        Check("stored under another device", "0", str(wrong_device), wrong_device == 0),
        Check("outcomes without their one contact attempt", "0", str(attempts_missing),
              attempts_missing == 0),
        Check("contact attempts duplicated", "0", str(attempts_twice), attempts_twice == 0),
        Check("outbox rows not acknowledged", "0", str(not_acked), not_acked == 0),
        Check("facts rejected (quarantined) by the server", "0", str(rejected), rejected == 0),
        Check("quarantine rows in the database", "0", str(quarantined), quarantined == 0),
        Check("HTTP errors (5xx, 429, unexpected 4xx, no answer)", "0", str(len(errors)),
              not errors),
        Check("dispatcher", "no failure", dispatch.error.splitlines()[-1] if dispatch.error
              else "ok", dispatch.error is None),
        Check("moved visits still on the old pair's phones (tombstones)", "0", str(stale),
              stale == 0),
        Check("moved visits missing on the new pair's phones", "0", str(missing_moved),
              missing_moved == 0),
        Check("server log errors/tracebacks", "0", str(len(server_problems)),
              not server_problems),
        Check("gunicorn exit on SIGTERM", "0", str(server_exit), server_exit == 0),
    ]
    details = [f"moved visit {v} still on {who}'s phone" for v, who in stale_on]
    details += [f"moved visit {v} missing on {who}'s phone" for v, who in missing_on]
    facts = {"details": details, "created": n_created, "stored": n_stored,
             "by_table": {t: len(ids) for t, ids in created.items()}}
    return checks, facts
