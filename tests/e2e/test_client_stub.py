"""client_stub against a live server (SQLite and PostgreSQL): every fact arrives exactly once."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from client_stub import DoorstepClient, RequestsTransport, RetryPolicy, TransportError
from client_stub.cli import main as cli
from client_stub.simulator import simulate_day
from server.models import (
    Attachment,
    CheckIn,
    Consent,
    ContactAttempt,
    Payment,
    PaymentPromise,
    QuarantinedRecord,
    VisitNote,
    VisitOutcome,
)
from tests.e2e.conftest import count, ids_of, seed
from tests.support.factories import PASSWORD

# A month ahead whatever the zone: a promise is due within a year of the day it was made.
DUE = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()

FACT_MODELS = {"check_ins": CheckIn, "visit_outcomes": VisitOutcome, "visit_notes": VisitNote,
               "payment_promises": PaymentPromise, "payments": Payment, "consents": Consent,
               "attachments": Attachment}


class LosesFirstPushAnswer:
    """A flaky network: the first push reaches the server, its answer never comes back."""

    def __init__(self):
        self.inner = RequestsTransport(timeout=10)
        self.lost = 0
        self.pushes = []

    def request(self, method, url, *, headers, params=None, body=None):
        response = self.inner.request(method, url, headers=headers, params=params, body=body)
        if url.endswith("/api/v1/sync/push"):
            self.pushes.append((headers["Idempotency-Key"], body))
            if not self.lost:
                self.lost += 1
                raise TransportError("connection reset (answer lost)")
        return response


def _no_sleep_retry(attempts=4) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, sleep=lambda _s: None, rng=random.Random(1))


def _assert_exactly_once(app, client: DoorstepClient, user_id: str) -> dict:
    """Every fact in the outbox is on the server once, and nothing else from this user is."""
    sent: dict[str, set] = {}
    for entry in client.store.outbox():
        sent.setdefault(entry["table_name"], set()).add(entry["id"])
    for table, model in FACT_MODELS.items():
        stored = ids_of(app, model, user_id=user_id)
        assert len(stored) == len(set(stored))
        assert set(stored) == sent.get(table, set()), table
    return {t: len(v) for t, v in sent.items()}


def test_login_record_offline_sync_every_fact_once(app, client, live_server, tmp_path):
    world = seed(app, client)
    out = io.StringIO()
    home = ["--home", str(tmp_path / "ann")]
    assert cli([*home, "login", "--server", live_server, "--username", world.usernames["ann"],
                "--password-stdin", "--device-id", "stub-ann"],
               stdin=io.StringIO(PASSWORD + "\n"), stdout=out) == 0
    assert cli([*home, "sync"], stdout=out) == 0
    visit, other = world.visits["ann"]
    steps = [["check-in", "--visit", visit, "--accuracy", "6.5"],
             ["outcome", "--visit", visit, "--code", "PROMISED", "--discussed-debt"],
             ["note", "--visit", visit, "--body", "debtor will pay on the 15th"],
             ["promise", "--visit", visit, "--amount", "500", "--due", DUE],
             ["consent", "--visit", visit],
             ["payment", "--visit", visit, "--amount", "100", "--receipt", "R-0001"],
             ["check-in", "--visit", other, "--lat", "31.2", "--lng", "121.4"],
             ["outcome", "--visit", other, "--code", "NOT_HOME"]]
    for step in steps:
        assert cli([*home, "record", *step], stdout=out) == 0, step
    photo = tmp_path / "door.jpg"
    photo.write_bytes(b"\xff\xd8\xff not really a jpeg")
    assert cli([*home, "record", "photo", "--visit", other, "--file", str(photo)],
               stdout=out) == 0
    status = io.StringIO()
    cli([*home, "status"], stdout=status)
    assert json.loads(status.getvalue())["outbox"] == 9
    sync_out = io.StringIO()
    assert cli([*home, "sync"], stdout=sync_out) == 0
    summary = json.loads(sync_out.getvalue())
    assert (summary["pushed"], summary["rejected"]) == (9, 0), summary

    stub = DoorstepClient(tmp_path / "ann")
    try:
        sent = _assert_exactly_once(app, stub, world.collectors["ann"])
        assert sum(sent.values()) == 9
        # the facts came back down in the pull, server-set columns filled in
        pulled = stub.store.rows("check_ins")
        assert {r["id"] for r in pulled} >= {e["id"] for e in stub.store.outbox()
                                            if e["table_name"] == "check_ins"}
        assert all(r["user_id"] == world.collectors["ann"] for r in pulled)
        assert stub.status()["outbox"] == 0 and stub.status()["rejected"] == []
    finally:
        stub.close()
    assert count(app, ContactAttempt) == 2  # one per outcome: side effects ran once
    assert count(app, QuarantinedRecord) == 0


def test_lost_answer_is_retried_with_the_same_key_and_stored_once(app, client, live_server,
                                                                   tmp_path):
    world = seed(app, client)
    flaky = LosesFirstPushAnswer()
    stub = DoorstepClient(tmp_path / "ann", transport=flaky, retry=_no_sleep_retry())
    try:
        stub.login(live_server, world.usernames["ann"], PASSWORD, "stub-ann")
        stub.sync()
        for visit in world.visits["ann"]:
            stub.check_in(visit)
            stub.outcome(visit, "MET_DEBTOR")
            stub.promise(visit, "750.5", DUE)
        result = stub.sync()
        assert flaky.lost == 1 and len(flaky.pushes) == 2
        assert flaky.pushes[0] == flaky.pushes[1]  # same Idempotency-Key, same body, same ids
        assert (result.pushed, result.rejected) == (6, 0)
        _assert_exactly_once(app, stub, world.collectors["ann"])
        assert count(app, ContactAttempt) == 2
    finally:
        stub.close()


def test_app_killed_after_a_lost_answer_resends_the_same_batch(app, client, live_server,
                                                                tmp_path):
    world = seed(app, client)
    home = tmp_path / "ann"
    flaky = LosesFirstPushAnswer()
    stub = DoorstepClient(home, transport=flaky, retry=_no_sleep_retry(attempts=1))
    stub.login(live_server, world.usernames["ann"], PASSWORD, "stub-ann")
    stub.sync()
    visit = world.visits["ann"][0]
    stub.check_in(visit)
    stub.note(visit, "dog in the yard")
    with pytest.raises(TransportError):
        stub.sync()  # the server stored both facts; the phone never heard
    stub.close()
    assert count(app, CheckIn) == 1

    again = DoorstepClient(home, retry=_no_sleep_retry())  # a restart; new facts meanwhile
    try:
        assert again.status()["outbox"] == 2
        again.outcome(visit, "NOT_HOME")
        first, second = again.sync(), None
        assert (first.pushed, first.rejected) == (3, 0)  # the old batch, then the new one
        second = again.sync()
        assert second.pushed == 0
        sent = _assert_exactly_once(app, again, world.collectors["ann"])
        assert sent == {"check_ins": 1, "visit_notes": 1, "visit_outcomes": 1}
    finally:
        again.close()


def test_rejected_facts_stay_in_the_outbox_and_status_shows_them(app, client, live_server,
                                                                 tmp_path):
    world = seed(app, client)
    stub = DoorstepClient(tmp_path / "ann", retry=_no_sleep_retry())
    try:
        stub.login(live_server, world.usernames["ann"], PASSWORD, "stub-ann")
        stub.sync()
        good = stub.check_in(world.visits["ann"][0])
        # a visit that is bob's: the server quarantines the fact
        bad = stub.record("check_ins", {"visit_id": world.visits["bob"][0], "lat": 31.2,
                                        "lng": 121.4})
        result = stub.sync()
        assert (result.pushed, result.rejected) == (1, 1)
        assert result.rejected_ids == {"check_ins": [bad["id"]]}
        assert stub.status()["rejected"] == [{"table": "check_ins", "id": bad["id"]}]
        assert ids_of(app, CheckIn) == [good["id"]]
        assert count(app, QuarantinedRecord, row_id=bad["id"]) == 1
    finally:
        stub.close()


def test_route_lists_the_days_stops_in_order(app, client, live_server, tmp_path):
    from datetime import timedelta

    from server.clock import local_today
    from server.extensions import db
    from server.models import RoutePlan, RouteStop, utcnow

    world = seed(app, client)
    now = utcnow()
    today = local_today(now, app.config.get("SCHEDULER_TIMEZONE", "UTC"))
    with app.app_context():
        plan = RoutePlan(collector_id=world.collectors["ann"], plan_date=today, status="published")
        db.session.add(plan)
        db.session.flush()
        for position, visit in enumerate(reversed(world.visits["ann"])):
            eta = now + timedelta(hours=position + 1)
            db.session.add(RouteStop(plan_id=plan.id, visit_id=visit, position=position,
                                     collector_id=world.collectors["ann"], eta=eta,
                                     service_start=eta))
        db.session.commit()
    stub = DoorstepClient(tmp_path / "ann", retry=_no_sleep_retry())
    try:
        stub.login(live_server, world.usernames["ann"], PASSWORD, "stub-ann")
        stub.sync()
        assert [s["visit_id"] for s in stub.route()] == list(reversed(world.visits["ann"]))
        assert [s["visit_id"] for s in stub.route(today.isoformat())] == \
            list(reversed(world.visits["ann"]))
        assert stub.route("1999-01-01") == []
    finally:
        stub.close()


def test_simulated_day_acknowledges_every_fact_once(app, client, live_server, tmp_path):
    world = seed(app, client, per_collector=4)
    counts = simulate_day(live_server, world.usernames["bob"], PASSWORD, "sim-bob", seed=7,
                          home=tmp_path / "bob", retry=_no_sleep_retry())
    assert counts["visits"] == 4
    assert counts["created"] >= 12 and counts["rejected"] == 0
    assert counts["acknowledged"] == counts["created"]
    for table, model in FACT_MODELS.items():
        assert (count(app, model, user_id=world.collectors["bob"])
                == counts["by_table"].get(table, 0))
    assert count(app, ContactAttempt) == 4
