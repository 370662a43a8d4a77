"""Pushed facts are judged after the push commits: queued, drained, swept, never lost."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from server.extensions import db
from server.facts import deferred
from server.facts.deferred import MAX_ATTEMPTS, run_fact_effects
from server.jobs.registry import JOBS, JobSettings
from server.models import Address, ContactAttempt, FactEffect, Team, Violation, Visit
from tests.integration.sync import facts
from tests.integration.sync.conftest import push
from tests.support import factories
from tests.support.api import bearer, login

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _late_check_in(visit_id: str) -> dict:
    at = datetime(2026, 11, 20, 22, 40, tzinfo=SHANGHAI)
    return facts.check_in(visit_id, recorded_at=int(at.timestamp() * 1000))


def _changes(*check_ins) -> dict:
    return {"check_ins": {"created": list(check_ins), "updated": [], "deleted": []}}


@contextmanager
def effects_left_to_the_job(app):
    app.config["SYNC_EFFECTS_AFTER_RESPONSE"] = False
    try:
        yield
    finally:
        app.config["SYNC_EFFECTS_AFTER_RESPONSE"] = True


@pytest.fixture(autouse=True)
def empty_queue(app):
    with app.app_context():
        db.session.execute(delete(FactEffect))
        db.session.commit()
    yield


def _rules(app, fact_id: str) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Violation.rule)
                                         .where(Violation.fact_id == fact_id)))


def _queue(app) -> list[tuple[int, dict, int, str | None]]:
    with app.app_context():
        return [(e.id, e.facts, e.attempts, e.last_error) for e in db.session.scalars(
            select(FactEffect).order_by(FactEffect.id))]


def _sweep(app) -> dict:
    """The scheduled job's own work function, as the scheduler runs it."""
    with app.app_context():
        counts = JOBS["fact_effects"].work(JobSettings())(db.session, datetime.now(SHANGHAI))
        db.session.commit()
        return counts


def test_the_push_answers_first_and_its_facts_are_judged_after(app, client, world):
    late = _late_check_in(world.visits["ann"][0])
    with effects_left_to_the_job(app):
        body = push(client, world.tokens["ann"], _changes(late))
    assert body["applied"] == {"check_ins": 1}
    queued = _queue(app)
    assert [q[1] for q in queued] == [{"check_ins": [late["id"]]}]
    assert _rules(app, late["id"]) == []  # not judged yet

    counts = _sweep(app)
    assert counts["pushes"] == 1 and counts["facts"] == 1 and counts["waiting"] == 0
    assert "QUIET" in _rules(app, late["id"])
    assert _queue(app) == []
    before = _rules(app, late["id"])
    assert _sweep(app)["pushes"] == 0
    assert _rules(app, late["id"]) == before  # judged once


def test_a_replayed_push_queues_nothing(app, client, world):
    check_in = facts.check_in(world.visits["ann"][0])
    with effects_left_to_the_job(app):
        push(client, world.tokens["ann"], _changes(check_in))
        push(client, world.tokens["ann"], _changes(check_in))
    assert len(_queue(app)) == 1


def test_pushes_waiting_together_are_judged_in_one_pass(app, client, world):
    ann, bob = _late_check_in(world.visits["ann"][0]), _late_check_in(world.visits["bob"][0])
    with effects_left_to_the_job(app):
        push(client, world.tokens["ann"], _changes(ann))
        push(client, world.tokens["bob"], _changes(bob))
    assert len(_queue(app)) == 2
    with app.app_context():
        counts = run_fact_effects(db.session, rounds=1)
        db.session.commit()
    assert counts["pushes"] == 2 and counts["facts"] == 2
    assert "QUIET" in _rules(app, ann["id"]) and "QUIET" in _rules(app, bob["id"])


def test_a_failing_judgement_never_fails_the_push_nor_holds_back_others(
        app, client, world, monkeypatch):
    poisoned, fine = _late_check_in(world.visits["ann"][0]), _late_check_in(world.visits["bob"][0])
    real = deferred.check_synced_facts

    def flaky(session, ids, *args):
        if poisoned["id"] in ids.get("check_ins", ()):
            raise RuntimeError("rule engine bug")
        return real(session, ids, *args)

    monkeypatch.setattr(deferred, "check_synced_facts", flaky)
    body = push(client, world.tokens["ann"], _changes(poisoned))  # drained after the answer
    assert body["applied"] == {"check_ins": 1}
    with effects_left_to_the_job(app):
        push(client, world.tokens["bob"], _changes(fine))

    counts = _sweep(app)
    assert counts["pushes"] == 1 and counts["failed"] == 1
    assert "QUIET" in _rules(app, fine["id"])
    [(_, left, attempts, error)] = _queue(app)
    assert left == {"check_ins": [poisoned["id"]]}
    assert attempts == 2 and "rule engine bug" in error  # the drain's try and the job's

    for _ in range(MAX_ATTEMPTS):
        _sweep(app)
    [(_, _, attempts, _)] = _queue(app)
    assert attempts == MAX_ATTEMPTS  # kept for an operator, no longer retried
    monkeypatch.setattr(deferred, "check_synced_facts", real)
    assert _sweep(app)["pushes"] == 0


def test_address_evidence_waits_for_the_sweep_when_no_worker_drains(app, client, world):
    visit_id = world.visits["bob"][0]
    with app.app_context():
        address_id = db.session.get(Visit, visit_id).address_id
        address = db.session.get(Address, address_id)
        address.verification_state, address.accuracy_m = "geocoded", 30.0
        db.session.commit()
    near = facts.check_in(visit_id, lat=31.2305, lng=121.4738, accuracy_m=10.0)
    with effects_left_to_the_job(app):
        push(client, world.tokens["bob"], _changes(near))
    with app.app_context():
        assert db.session.get(Address, address_id).verification_state == "geocoded"
    _sweep(app)
    with app.app_context():
        assert db.session.get(Address, address_id).verification_state == "field_verified"
        assert db.session.scalar(select(func.count()).select_from(FactEffect)) == 0


def test_a_fact_whose_effect_fails_is_flagged_alone_and_the_visits_other_effects_run(
        app, client, world, monkeypatch):
    visit_id = world.visits["ann"][0]
    poisoned = _late_check_in(visit_id)
    outcome = facts.outcome(visit_id, code="MET_DEBTOR", recorded_at=poisoned["recorded_at"] + 1)
    real = deferred.check_synced_facts

    def flaky(session, ids, *args):
        if poisoned["id"] in ids.get("check_ins", ()):
            raise RuntimeError("rule engine bug")
        return real(session, ids, *args)

    monkeypatch.setattr(deferred, "check_synced_facts", flaky)
    with effects_left_to_the_job(app):
        push(client, world.tokens["ann"], {**_changes(poisoned),
                                           "visit_outcomes": {"created": [outcome]}})
    counts = _sweep(app)
    assert counts["failed"] == 1 and counts["facts"] == 1
    [(_, left, attempts, error)] = _queue(app)
    assert left == {"check_ins": [poisoned["id"]]} and attempts == 1
    assert error.startswith("compliance: RuntimeError: rule engine bug")
    with app.app_context():  # the outcome's own effects all ran: ledger and its judgement
        assert db.session.scalar(select(ContactAttempt.id).where(
            ContactAttempt.source_id == outcome["id"])) is not None
        assert "TWO_PERSON" in set(db.session.scalars(select(Violation.rule).where(
            Violation.visit_id == visit_id)))
        team = db.session.get(Team, world.team_id)
        mine = factories.user(db.session, role="dispatcher", team_row=team)
        other = factories.user(db.session, role="dispatcher", team_row=factories.team(db.session))
        db.session.commit()
        names = mine.username, other.username
    listed = client.get("/api/v1/fact-effects/failed",
                        headers=bearer(login(client, names[0]))).get_json()
    assert [(r["table"], r["fact_id"], r["visit_id"], r["state"]) for r in listed] == [
        ("check_ins", poisoned["id"], visit_id, "retrying")]
    assert client.get("/api/v1/fact-effects/failed",
                      headers=bearer(login(client, names[1]))).get_json() == []
    monkeypatch.setattr(deferred, "check_synced_facts", real)  # the bug is fixed
    assert _sweep(app)["facts"] == 1  # the existing sweep retries it
    assert _queue(app) == [] and "QUIET" in _rules(app, poisoned["id"])


def test_one_drain_at_a_time_the_other_waits_its_turn(app, client, world, backend):
    """While one drain holds the drain lock (another process), a second judges nothing and
    says it is busy; the queue row stays for the next turn, and is judged once it is free."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: no second drain to keep out")
    from sqlalchemy import text

    fact = _late_check_in(world.visits["ann"][0])
    with effects_left_to_the_job(app):
        push(client, world.tokens["ann"], _changes(fact))
    with app.app_context(), db.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": deferred.DRAIN_LOCK})
        counts = run_fact_effects(db.session, rounds=1)
        db.session.commit()
        assert counts["busy"] == 1 and counts["pushes"] == 0
        assert len(_queue(app)) == 1 and _rules(app, fact["id"]) == []
        other.rollback()  # the other drain ends
    with app.app_context():
        counts = run_fact_effects(db.session, rounds=1)
        db.session.commit()
    assert counts["busy"] == 0 and counts["pushes"] == 1
    assert _queue(app) == [] and "QUIET" in _rules(app, fact["id"])
