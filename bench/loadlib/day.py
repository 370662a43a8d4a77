"""A working day, compressed: collectors' phones (client_stub) and a dispatcher, in threads.

The simulated day runs 09:00-18:00 (540 minutes) in `day_seconds` of wall time. Each phone
logs in and syncs in the morning (starts staggered over the first 5 % of the day), then works
its queue of today's visits offline, one visit per `visit_minutes`, syncing every
`minutes_per_sync` (push the outbox, pull), and syncs once more at the end of the day.
Visits go to pairs: the lead records the full set of facts (check-in, note, sometimes consent,
promise, payment, address report, photo, then the outcome — the simulator's rates), the second
collector checks in.

The dispatcher reassigns not-yet-started visits from one pair to another of the same agency
(PATCH /api/v1/visits/<id> with the version, overrides for any blocking rule) during the first
70 % of the day, so tombstones flow to the losing pair's phones. `Board` is the harness's own
truth of who works what, so a phone never starts a visit the dispatcher is moving away (that
fact would rightly be quarantined as `not_your_case`).
"""

from __future__ import annotations

import json
import random
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench.loadlib.timing import Recorder, TimedTransport
from bench.loadlib.world import DEMO_PASSWORD, Collector
from client_stub.client import DoorstepClient
from client_stub.retry import RetryPolicy
from client_stub.simulator import CODES, OPEN_STATUSES

DAY_MINUTES = 540
PROMISE_RATE, CONSENT_RATE, PHOTO_RATE, PAYMENT_RATE, ADDRESS_RATE = 0.4, 0.3, 0.3, 0.15, 0.1


@dataclass
class Clock:
    """Simulated minutes since 09:00, from wall time."""

    day_seconds: float
    start: float = field(default_factory=time.monotonic)

    def minutes(self) -> float:
        return (time.monotonic() - self.start) * DAY_MINUTES / self.day_seconds

    def sleep_until(self, minute: float, stop: threading.Event | None = None) -> None:
        wait = (minute - self.minutes()) * self.day_seconds / DAY_MINUTES
        if wait > 0:
            (stop.wait(wait) if stop else time.sleep(wait))


@dataclass
class Board:
    """Who should work which visit today (pair key), which visits were started; one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    owner: dict[str, str] = field(default_factory=dict)  # visit id -> pair key
    started: set[str] = field(default_factory=set)
    moves: list[dict] = field(default_factory=list)  # successful reassignments
    dispatch_done: threading.Event = field(default_factory=threading.Event)

    def claim(self, visit_id: str, pair: str) -> bool:
        """Start a visit if it is still this pair's (the dispatcher may be moving it)."""
        with self.lock:
            if self.owner.setdefault(visit_id, pair) != pair:
                return False
            self.started.add(visit_id)
            return True

    def mine(self, visit_ids: list[str], pair: str) -> list[str]:
        with self.lock:
            return [v for v in visit_ids if self.owner.setdefault(v, pair) == pair]


@dataclass
class PhoneResult:
    collector: Collector
    created: dict[str, list[str]] = field(default_factory=dict)  # table -> fact ids
    statuses: dict[str, int] = field(default_factory=dict)  # outbox status -> count
    held_visits: set[str] = field(default_factory=set)  # in the replica at the end
    worked: list[str] = field(default_factory=list)
    syncs: int = 0
    pulled: int = 0
    deleted: int = 0
    rejected_ids: dict = field(default_factory=dict)
    error: str | None = None


def phone_day(base_url: str, collector: Collector, *, role: str, board: Board, clock: Clock,
              today: date, recorder: Recorder, home: Path, seed: int,
              minutes_per_sync: float, stagger: float, visit_jitter: float = 0.0) -> PhoneResult:
    """One collector's day on one phone; never raises (the error is in the result)."""
    result = PhoneResult(collector)
    rng = random.Random(seed)
    jitter = random.Random(seed + 7919)  # its own stream: the facts stay those of jitter 0
    transport = TimedTransport(recorder, collector.username)
    client = DoorstepClient(home, transport=transport, retry=RetryPolicy(rng=random.Random(seed)))
    try:
        clock.sleep_until(stagger)
        transport.phase = "morning"
        client.login(base_url, collector.username, DEMO_PASSWORD, collector.device_id)
        _sync(client, result)
        transport.phase = "day"
        queue = _todays(client, board, collector.pair, today)
        visit_minutes = (DAY_MINUTES - stagger) / max(len(queue) + 1, 2)
        next_sync = clock.minutes() + minutes_per_sync
        while clock.minutes() < DAY_MINUTES - visit_minutes:
            visit = next((v for v in queue if v not in result.worked), None)
            if visit is not None and board.claim(visit, collector.pair):
                result.worked.append(visit)
                began = clock.minutes()
                _work(client, visit, role, rng, seed)
                # visits of unequal length (--visit-jitter): real visits vary, and without it
                # every phone finishes its k-th visit, and syncs, within the morning's stagger
                clock.sleep_until(began + visit_minutes * (
                    1 + jitter.uniform(-visit_jitter, visit_jitter) if visit_jitter else 1))
            elif visit is not None:  # the dispatcher took it
                queue.remove(visit)
                continue
            else:
                clock.sleep_until(next_sync)
            if clock.minutes() >= next_sync:
                _sync(client, result)
                queue = [v for v in _todays(client, board, collector.pair, today)
                         if v not in result.worked]
                next_sync = clock.minutes() + minutes_per_sync
        clock.sleep_until(DAY_MINUTES)
        # Back at the office once the dispatcher's last move is made (a move after the
        # evening pull would reach the phones tomorrow morning, and the checks would fail).
        board.dispatch_done.wait(timeout=600)
        transport.phase = "evening"
        _sync(client, result)  # evening, back at the office: everything goes up
        _sync(client, result)  # and what the evening push changed comes down
        result.created = {}
        for row in client.store.outbox():
            result.created.setdefault(row["table_name"], []).append(row["id"])
        result.statuses = client.store.counts()
        result.held_visits = {v["id"] for v in client.store.rows("visits")} \
            if "visits" in client.store.tables() else set()
    except Exception:
        result.error = traceback.format_exc(limit=6)
        try:
            result.statuses = client.store.counts()
            for row in client.store.outbox():
                result.created.setdefault(row["table_name"], []).append(row["id"])
        except Exception:
            pass
    finally:
        client.close()
        transport.close()
    return result


def _sync(client: DoorstepClient, result: PhoneResult) -> None:
    outcome = client.sync()
    result.syncs += 1
    result.pulled += outcome.upserted
    result.deleted += outcome.deleted
    for table, ids in outcome.rejected_ids.items():
        result.rejected_ids.setdefault(table, []).extend(ids)


def _todays(client: DoorstepClient, board: Board, pair: str, today: date) -> list[str]:
    """Today's open visits on the phone that are still this pair's, in a stable order."""
    day = today.isoformat()
    visits = sorted((v for v in client.store.rows("visits")
                     if v.get("scheduled_on") == day and v.get("status") in OPEN_STATUSES),
                    key=lambda v: v["id"])
    return board.mine([v["id"] for v in visits], pair)


def _work(client: DoorstepClient, vid: str, role: str, rng: random.Random, seed: int) -> None:
    """At the door, offline: what the lead (or the second collector) records."""
    client.check_in(vid, accuracy=round(rng.uniform(3, 30), 1))
    if role != "lead":
        return
    code = rng.choice(CODES)
    client.note(vid, f"visited ({code.lower()}), load seed {seed}")
    if code in ("MET_DEBTOR", "PROMISED") and rng.random() < CONSENT_RATE and \
            client.store.rows("consent_texts"):
        client.consent(vid)
    if code == "PROMISED" or rng.random() < PROMISE_RATE:
        due = date.today() + timedelta(days=rng.randint(3, 30))
        client.promise(vid, rng.randint(2, 80) * 100, due.isoformat())
    if rng.random() < PAYMENT_RATE:
        client.payment(vid, rng.randint(1, 20) * 50, rng.choice(("cash", "qr")),
                       receipt_no=f"R-{client.new_id()[:16]}")
    if rng.random() < ADDRESS_RATE:
        client.address_report(vid, "coordinates", lat=31.23 + rng.random() / 100,
                              lng=121.47 + rng.random() / 100, note="the gate is round the back")
    if rng.random() < PHOTO_RATE:
        client.photo(vid, f"door of {vid}, load seed {seed}, {rng.random()}".encode())
    client.outcome(vid, code, discussed_debt=code in ("MET_DEBTOR", "PROMISED"))


@dataclass
class DispatchStats:
    attempted: int = 0
    moved: int = 0
    overridden: int = 0
    conflicts: int = 0
    refused: list[str] = field(default_factory=list)
    error: str | None = None


class Dispatcher(threading.Thread):
    """Moves `target` not-yet-started visits between pairs of one agency, spread over the day."""

    def __init__(self, base_url: str, logins: dict[str, str], pairs: dict[str, str],
                 board: Board, clock: Clock, recorder: Recorder, target: int, seed: int,
                 until_minute: float = 0.7 * DAY_MINUTES):
        super().__init__(name="dispatcher", daemon=True)
        self.base_url, self.logins, self.pairs = base_url, logins, pairs  # pair -> agency
        self.board, self.clock, self.target = board, clock, target
        self.until = until_minute
        self.rng = random.Random(seed)
        self.transport = TimedTransport(recorder, "dispatcher")
        self.tokens: dict[str, str] = {}
        self.stats = DispatchStats()
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            for agency, username in self.logins.items():
                response = self._call("POST", "/api/v1/auth/tokens", None,
                                      {"username": username, "password": DEMO_PASSWORD})
                if response.status != 201:
                    raise RuntimeError(f"dispatcher login {username}: HTTP {response.status}")
                self.tokens[agency] = response.json()["token"]
            if self.target <= 0:
                return
            start = DAY_MINUTES * 0.1  # after the morning syncs
            step = (self.until - start) / self.target
            for n in range(self.target):
                self.clock.sleep_until(start + n * step, self.stop)
                if self.stop.is_set() or self.clock.minutes() > self.until:
                    return  # behind schedule on a slow server: the day's moves end here
                self._move_one()
        except Exception:
            self.stats.error = traceback.format_exc(limit=6)
        finally:
            self.board.dispatch_done.set()
            self.transport.close()

    def _call(self, method: str, path: str, token: str | None, body: dict | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.transport.request(method, self.base_url + path, headers=headers,
                                      body=json.dumps(body).encode() if body else None)

    def _move_one(self) -> None:
        board = self.board
        with board.lock:
            movable = sorted(v for v, pair in board.owner.items() if v not in board.started)
            if not movable:
                return
            visit = self.rng.choice(movable)
            source = board.owner[visit]
            agency = self.pairs[source]
            targets = sorted(p for p, a in self.pairs.items() if a == agency and p != source)
            if not targets:
                return
            target = self.rng.choice(targets)
            board.owner[visit] = target  # from now on nobody of the source pair starts it
        self.stats.attempted += 1
        token = self.tokens[agency]
        overrides: dict[str, str] = {}
        for _ in range(4):
            current = self._call("GET", f"/api/v1/visits/{visit}", token)
            if current.status != 200:
                break
            body = {"version": current.json()["version"], "assignees": target.split("+")}
            if overrides:
                body["overrides"] = overrides
            answer = self._call("PATCH", f"/api/v1/visits/{visit}", token, body)
            if answer.status == 200:
                self.stats.moved += 1
                self.stats.overridden += bool(overrides)
                with board.lock:
                    board.moves.append({"visit": visit, "from": source, "to": target})
                return
            if answer.status == 409:
                self.stats.conflicts += 1
                continue
            blocks = [f["rule"] for f in ((answer.json() or {}).get("errors") or {})
                      .get("findings", []) if f.get("severity") == "block"
                      and not f.get("overridden")] if answer.status == 422 else []
            if not blocks or set(blocks) <= set(overrides):
                self.stats.refused.append(f"{visit}: HTTP {answer.status} "
                                          f"{answer.body[:300].decode(errors='replace')}")
                break
            overrides.update({rule: "load test: rebalancing the day's work" for rule in blocks})
        with board.lock:  # not moved: it stays with its pair
            board.owner[visit] = source
