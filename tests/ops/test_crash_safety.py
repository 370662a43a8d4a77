"""Crash safety: the real server (gunicorn + PostgreSQL) SIGKILLed in the middle of pushes.

A small world (three collector pairs with visits today) is served by gunicorn as production
runs it (`server/gunicorn_conf.py`, one worker, threads). Six client_stub phones work their
visits offline (the load test's facts: check-ins, notes, consents, promises, payments, address
reports, photos, outcomes) and sync every few visits, each push a saved batch with its
Idempotency-Key, retried with backoff and jitter. Half the phones retry long enough to outlast
a restart; the others run out of attempts, close the app, open it again on the same local
database and sync again (the saved batch goes out again with its key).

Meanwhile the main thread, every 0.3-1.5 s of serving, waits until a push is on the wire and
SIGKILLs the master *and* its workers (the process group: no graceful shutdown, no answer, open
transactions cut), then starts gunicorn again on the same port. After the last kill the phones
sync until their outboxes are empty and the database is checked: every fact each phone
recorded is stored exactly once (by id, by payment receipt, by Idempotency-Key), with the
phone's content; nothing is missing or extra; no quarantine; one contact attempt per outcome;
nothing left in the effects queue once the `fact_effects` sweep has run (a killed worker
leaves its drain to it).

`DOORSTEP_CRASH_KILLS` changes the number of kills (12 by default: each costs a gunicorn boot,
~3-6 s on a loaded two-core box); figures print with `-s`. Results are in docs/security.md.
"""

from __future__ import annotations

import os
import random
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.loadlib.day import PhoneResult, _work
from bench.loadlib.serve import Gunicorn, group_members
from bench.loadlib.timing import endpoint
from bench.loadlib.verify import EXPECTED, db_now, settle_effects, verify
from bench.loadlib.world import DEMO_PASSWORD, Collector, World, build_world, flask_env
from bench.pgdb import throwaway_database
from client_stub import DoorstepClient, RequestsTransport, RetryPolicy, TransportError
from client_stub.client import FACT_TABLES
from client_stub.simulator import OPEN_STATUSES
from server.config import normalise_database_url

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("DOORSTEP_CRASH_KILLS", "12"))
COLLECTORS = 6  # three pairs: the lead records everything, the second checks in
VISITS_PER_PAIR = 40  # more than a phone works in the run; then it writes notes
DEBTORS = 120  # a small demo (its default for six collectors is 248); pairs reuse cases
SEED = 7
UP_S = (0.3, 1.5)  # how long the server serves before the next kill
INSIDE_PUSH_S = (0.0, 0.25)  # how far into a push (seen from the phone) the kill lands
KILL_PHASE_LIMIT_S = 600  # a hard stop for a box far slower than expected
PUSH = "POST /api/v1/sync/push"
RETRY = (  # every other phone: one that outlasts a restart, one that gives up and reopens
    {"attempts": 10, "base": 0.1, "cap": 1.0},
    # ~0.15 s of retries in all: shorter than any restart (a SIGKILLed gunicorn boots the app
    # again), so a push cut by a kill runs out of attempts whatever the box's speed (with 4
    # attempts up to 0.5 s apart, a quiet box restarted in time and no phone ever gave up)
    {"attempts": 3, "base": 0.05, "cap": 0.1},
)


@dataclass
class Attempt:
    """One HTTP attempt as a phone saw it; status 0: no answer (reset, refused, cut short)."""

    who: str
    endpoint: str
    key: str | None  # the push's Idempotency-Key
    started: float  # wall clock (time.time()), comparable with the server's timestamps
    ended: float
    status: int


@dataclass
class Wire:
    """What every phone has on the wire right now, and every attempt made; one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: Counter = field(default_factory=Counter)
    attempts: list[Attempt] = field(default_factory=list)

    def pushing(self) -> int:
        with self.lock:
            return self.in_flight[PUSH]


class WatchedTransport:
    """client_stub's own RequestsTransport, each attempt counted while in flight and noted."""

    def __init__(self, wire: Wire, who: str):
        self.inner = RequestsTransport(timeout=30)
        self.wire, self.who = wire, who

    def request(self, method, url, *, headers, params=None, body=None):
        name = endpoint(method, url)
        with self.wire.lock:
            self.wire.in_flight[name] += 1
        started, status = time.time(), 0
        try:
            response = self.inner.request(method, url, headers=headers, params=params,
                                          body=body)
            status = response.status
            return response
        finally:
            with self.wire.lock:
                self.wire.in_flight[name] -= 1
                self.wire.attempts.append(Attempt(self.who, name, headers.get("Idempotency-Key"),
                                                  started, time.time(), status))

    def close(self) -> None:
        self.inner.close()


@dataclass
class Phone:
    collector: Collector
    role: str  # lead / second
    seed: int
    retry: dict  # RetryPolicy settings
    result: PhoneResult = None
    syncs: int = 0
    syncs_given_up: int = 0  # ran out of attempts (server down): app reopened, synced again
    visits: int = 0
    batches_left: int = -1  # saved batches still unanswered at the end
    recorded: dict = field(default_factory=dict)  # (table, id) -> (visit id, recorded_at ms)

    def __post_init__(self):
        self.result = PhoneResult(self.collector)


def _todays(client: DoorstepClient, today: date) -> list[str]:
    return sorted(v["id"] for v in client.store.rows("visits")
                  if v.get("scheduled_on") == today.isoformat()
                  and v.get("status") in OPEN_STATUSES)


def run_phone(phone: Phone, base_url: str, home: Path, wire: Wire, today: date,
              killing_done: threading.Event, abort: threading.Event) -> None:
    """One phone: log in, sync, then work visits offline and sync every few, until the kills
    are over; then sync until everything is up. A sync that runs out of attempts closes the
    app; it is opened again on the same local database (the saved batch is resent with its
    key) and syncs again. Never raises (the error is in the result)."""
    rng = random.Random(phone.seed)
    transport = WatchedTransport(wire, phone.collector.username)
    def open_app() -> DoorstepClient:
        return DoorstepClient(home, transport=transport,
                              retry=RetryPolicy(**phone.retry, rng=random.Random(phone.seed)))

    app = [open_app()]

    def until_done(action) -> None:
        while True:
            try:
                action(app[0])
                return
            except TransportError:  # the server is down for longer than the retries last
                if abort.is_set():
                    raise
                phone.syncs_given_up += 1
                app[0].close()
                app[0] = open_app()
                time.sleep(0.5)

    def sync(client: DoorstepClient) -> None:
        client.sync()
        phone.syncs += 1

    try:
        until_done(lambda c: c.login(base_url, phone.collector.username, DEMO_PASSWORD,
                                     phone.collector.device_id))
        until_done(sync)
        queue, worked = _todays(app[0], today), []
        assert queue, f"{phone.collector.username} has no visits today"
        while not killing_done.is_set() and not abort.is_set():
            if queue:
                visit = queue.pop(0)
                _work(app[0], visit, phone.role, rng, phone.seed)
                worked.append(visit)
                phone.visits += 1
            else:  # the day's visits are done: more facts, so pushes keep coming
                app[0].note(rng.choice(worked), f"follow-up {rng.random()}")
            if rng.random() < 0.5:
                until_done(sync)
            time.sleep(rng.uniform(0.05, 0.25))
        until_done(sync)  # everything goes up
        phone.batches_left = int(app[0].store.open_batch() is not None)
    except Exception:
        phone.result.error = traceback.format_exc(limit=8)
    finally:
        try:
            for row in app[0].store.outbox():
                phone.result.created.setdefault(row["table_name"], []).append(row["id"])
                phone.recorded[(row["table_name"], row["id"])] = (
                    row["row"].get("visit_id"), row["row"]["recorded_at"])
            phone.result.statuses = app[0].store.counts()
        finally:
            app[0].close()
            transport.close()


@dataclass
class Kill:
    at: float  # wall clock
    pushes_in_flight: int
    waited_s: float  # serving, from "up" to the kill
    gone_s: float = 0.0  # SIGKILL until no process of the group runs
    boot_s: float = 0.0  # `gunicorn` until it answers again


def kill_during_pushes(server: Gunicorn, wire: Wire, phones_alive, rng: random.Random,
                       kills: list[Kill]) -> None:
    """KILLS times: let the server serve a while, wait for a push on the wire, land a little
    way into it, SIGKILL the process group, start gunicorn again on the same port."""
    deadline = time.monotonic() + KILL_PHASE_LIMIT_S
    up = time.monotonic()
    while len(kills) < KILLS:
        time.sleep(rng.uniform(*UP_S))
        pushing = 0
        while not pushing:  # until the kill would land inside a push
            while not wire.pushing():
                assert phones_alive(), "every phone stopped before the kills were over"
                assert time.monotonic() < deadline, f"only {len(kills)} kills in time"
                time.sleep(0.002)
            time.sleep(rng.uniform(*INSIDE_PUSH_S))
            pushing = wire.pushing()
        kill = Kill(time.time(), pushing, time.monotonic() - up)
        killed = time.monotonic()
        server.kill()
        assert not group_members(server.process.pid)
        started = time.monotonic()
        kill.gone_s = started - killed
        server.start()
        up = time.monotonic()
        kill.boot_s = up - started
        kills.append(kill)


def test_sigkill_during_pushes_loses_and_duplicates_nothing(pg_database_url, tmp_path):
    began = time.monotonic()
    with throwaway_database(pg_database_url, "doorstep_crash") as database_url:
        env = flask_env(database_url, tmp_path / "instance",
                        RATELIMIT_LOGIN_IP="100000 per minute")
        world = build_world(database_url, env, COLLECTORS, seed=2024,
                            visits_per_pair=VISITS_PER_PAIR, demo_collectors=0, debtors=DEBTORS)
        setup_s = time.monotonic() - began
        assert len(world.collectors) == COLLECTORS
        server = Gunicorn(env, tmp_path / "gunicorn.log", workers=1, threads=4, own_group=True)
        wire, kills = Wire(), []
        killing_done, abort = threading.Event(), threading.Event()
        phones = [Phone(c, "lead" if c.pair.split("+")[0] == c.user_id else "second",
                        SEED * 1000 + i, RETRY[(i + i // 2) % 2])  # leads and seconds of each
                  for i, c in enumerate(world.collectors)]
        threads = [threading.Thread(
            target=run_phone, name=p.collector.username, daemon=True,
            args=(p, server.url, tmp_path / "phones" / p.collector.device_id, wire,
                  world.today, killing_done, abort)) for p in phones]
        try:
            server.start()
            since = db_now(database_url)
            for thread in threads:
                thread.start()
            kill_started = time.monotonic()
            kill_during_pushes(server, wire, lambda: any(t.is_alive() for t in threads),
                               random.Random(SEED), kills)
            kill_s = time.monotonic() - kill_started
            killing_done.set()
            for thread in threads:
                thread.join(timeout=180)
            assert not any(t.is_alive() for t in threads), "a phone never finished syncing"
            exit_code = server.stop()
        finally:
            abort.set()
            killing_done.set()
            server.stop(graceful_s=10)
            for thread in threads:  # they give up at once now, before the database goes
                if thread.is_alive():
                    thread.join(timeout=20)
            if server.process is not None:
                assert not group_members(server.process.pid), "gunicorn processes left behind"
        total_s = time.monotonic() - began
        left = settle_effects(database_url, wait_s=0)  # what killed workers left undrained
        checks, facts = verify(database_url, since, [p.result for p in phones], [], _NoDispatch,
                               [], server.problems(), exit_code)
        stored = _stored(database_url, world, phones)

    errors = [f"{p.collector.username}: {p.result.error}" for p in phones if p.result.error]
    assert not errors, "\n".join(errors)
    failed = [f"{c.name}: expected {c.expected}, got {c.got}" for c in checks if not c.ok]
    assert not failed, "\n".join([*failed, *facts["details"],
                                   *(line[-1500:] for line in server.problems()[:5])])

    attempts = wire.attempts
    answers = [a for a in attempts if a.status and a.status not in EXPECTED.get(a.endpoint, {200})]
    assert not answers, [(a.endpoint, a.status) for a in answers[:20]]
    unanswered = [a for a in attempts if a.status == 0]
    cut = {id(a): k for a in unanswered for k in kills if a.started < k.at < a.ended}
    cut_pushes = [a for a in unanswered if a.endpoint == PUSH and id(a) in cut]
    # Cut after its transaction committed: the receipt of its key was written (stamped with the
    # request's start, same host, same clock) between sending and the kill. Its retry got the
    # first answer back from the receipt.
    committed = [a for a in cut_pushes if a.started <= stored["receipt_at"].get(a.key, 0)
                 <= cut[id(a)].at]
    push_attempts = [a for a in attempts if a.endpoint == PUSH]
    acked_keys = {a.key for a in push_attempts if a.status == 200}

    # Exactly once, from the database's side too (verify() counted ids per table).
    assert stored["content_differs"] == [], stored["content_differs"][:10]
    assert stored["receipt_no_twice"] == [], stored["receipt_no_twice"]
    assert stored["receipts"] == Counter(dict.fromkeys(acked_keys, 1))  # one per batch
    assert stored["effects_waiting"] == 0
    assert all(p.batches_left == 0 for p in phones)

    # The kills were real, and in the middle of pushes.
    assert server.kills == len(kills) == KILLS and server.starts == KILLS + 1
    assert all(k.pushes_in_flight > 0 for k in kills)
    # A push still "on the wire" at the kill may have had its whole answer already (the phone's
    # thread not yet scheduled to read it): most kills, not all, cut one short (10-12 of 12).
    kills_cutting_a_push = len({id(cut[id(a)]) for a in cut_pushes})
    assert kills_cutting_a_push >= max(1, KILLS // 2), (
        f"only {kills_cutting_a_push} of {KILLS} kills cut a push short")
    given_up = sum(p.syncs_given_up for p in phones)
    assert given_up > 0, "no sync ever ran out of attempts: the reopened app was not tried"

    print(f"\ncrash safety: {KILLS} SIGKILLs of gunicorn (master + 1 worker x 4 threads) "
          f"during pushes, {len(phones)} client_stub phones, PostgreSQL\n"
          f"  kills survived {len(kills)}; {kills_cutting_a_push} of them cut a push short "
          f"({len(cut_pushes)} pushes cut, {len(committed)} of them after their commit: answer "
          f"lost, replayed from the Idempotency-Key receipt); "
          f"{len(cut) - len(cut_pushes)} other requests cut\n"
          f"  serving between kills {_mean(k.waited_s for k in kills):.1f} s, processes gone "
          f"{_mean(k.gone_s for k in kills) * 1000:.0f} ms after SIGKILL, boot to first answer "
          f"{_mean(k.boot_s for k in kills):.1f} s (max {max(k.boot_s for k in kills):.1f} s)\n"
          f"  facts recorded {facts['created']}, stored {facts['stored']}, each exactly once: "
          f"{facts['by_table']}\n"
          f"  pushes: {len(acked_keys)} batches acknowledged in {len(push_attempts)} attempts; "
          f"requests without an answer {len(unanswered)} ({len(cut)} cut by a kill, "
          f"{len(unanswered) - len(cut)} refused while down); "
          f"syncs {sum(p.syncs for p in phones)}; {given_up} given up (out of attempts), "
          f"the app reopened and synced again\n"
          f"  pushes whose effects a killed worker left undone {left['left_to_sweep']} "
          f"(done by the fact_effects sweep); quarantine 0; outboxes empty\n"
          f"  time: setup {setup_s:.0f} s, kill phase {kill_s:.0f} s, total {total_s:.0f} s")


class _NoDispatch:  # verify()'s dispatcher stats: no dispatcher in this run
    error = None


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def _stored(database_url: str, world: World, phones: list[Phone]) -> dict:
    """What the database holds for the run's phones, beyond verify()'s id counts."""
    users = [c.user_id for c in world.collectors]
    recorded = {key: value for phone in phones for key, value in phone.recorded.items()}
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            content_differs = []  # stored, but not as the phone recorded it
            for table in FACT_TABLES:
                rows = conn.execute(text(
                    f"SELECT id, visit_id, (extract(epoch FROM recorded_at) * 1000)::bigint "
                    f"FROM {table} WHERE user_id = ANY(:u)"), {"u": users}).all()
                content_differs += [(table, fact_id) for fact_id, visit_id, recorded_ms in rows
                                    if recorded.get((table, fact_id)) != (visit_id, recorded_ms)]
            receipt_no_twice = conn.execute(text(
                "SELECT receipt_no, count(*) FROM payments WHERE user_id = ANY(:u) "
                "GROUP BY receipt_no HAVING count(*) > 1"), {"u": users}).all()
            receipts = Counter()
            receipt_at = {}
            for key, at in conn.execute(text(
                    "SELECT key, created_at FROM sync_push_receipts WHERE user_id = ANY(:u)"),
                    {"u": users}):
                receipts[key] += 1
                receipt_at[key] = at.timestamp()
            effects_waiting = conn.execute(text(
                "SELECT count(*) FROM sync_fact_effects")).scalar_one()
    finally:
        engine.dispose()
    return {"content_differs": content_differs, "receipt_no_twice": receipt_no_twice,
            "receipts": receipts, "receipt_at": receipt_at, "effects_waiting": effects_waiting}
