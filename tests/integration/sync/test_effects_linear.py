"""What follows a push costs by its new facts, not the visit's history, and runs off the request
worker (issue #20)."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from server.api.fact_effects import wait_for_effects
from server.compliance.engine import sync_checks
from server.extensions import db
from server.facts import deferred
from server.models import FactEffect, Violation, VisitAssignee
from tests.integration.sync import facts
from tests.integration.sync.conftest import push

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _late(visit_id: str, minute: int) -> dict:
    at = datetime(2026, 11, 20, 22, minute, tzinfo=SHANGHAI)
    return facts.check_in(visit_id, recorded_at=int(at.timestamp() * 1000))


def _check_ins(*rows) -> dict:
    return {"check_ins": {"created": list(rows), "updated": [], "deleted": []}}


def _violations(app, visit_id: str) -> list[tuple[str, str, str]]:
    with app.app_context():
        return sorted(tuple(r) for r in db.session.execute(
            select(Violation.rule, Violation.fact_id, Violation.status)
            .where(Violation.visit_id == visit_id)))


@pytest.fixture(autouse=True)
def empty_queue(app):
    with app.app_context():
        db.session.execute(delete(FactEffect))
        db.session.commit()


def test_a_new_check_in_is_judged_alone_not_with_the_visits_history(
        app, client, world, monkeypatch):
    visit_id = world.visits["ann"][0]
    history = [_late(visit_id, m) for m in range(10, 22)]
    push(client, world.tokens["ann"], _check_ins(*history))
    assert {f for r, f, _ in _violations(app, visit_id) if r == "QUIET"} == {
        c["id"] for c in history}
    judged = []
    real = sync_checks.check_contact_time

    def counting(profile, device_at, *args):
        judged.append(device_at)
        return real(profile, device_at, *args)

    monkeypatch.setattr(sync_checks, "check_contact_time", counting)
    new = _late(visit_id, 40)
    push(client, world.tokens["ann"], _check_ins(new))
    assert len(judged) == 1  # the twelve older check-ins were judged when they arrived
    quiet = {f for r, f, _ in _violations(app, visit_id) if r == "QUIET"}
    assert quiet == {c["id"] for c in [*history, new]}
    judged.clear()
    outcome = facts.outcome(visit_id, recorded_at=new["recorded_at"] + 60_000)
    push(client, world.tokens["ann"], {"visit_outcomes": {"created": [outcome]}})
    assert judged == []  # an outcome judges the visit as a whole, no check-in again


def test_whole_visit_rules_still_see_every_collector_of_a_long_history(app, client, world):
    visit_id = world.visits["ann"][0]
    with app.app_context():
        db.session.add(VisitAssignee(visit_id=visit_id, user_id=world.collectors["bob"]))
        db.session.commit()
    at = facts.now_ms() - 3_600_000
    push(client, world.tokens["ann"], _check_ins(
        *(facts.check_in(visit_id, recorded_at=at + i) for i in range(30))))
    outcome = facts.outcome(visit_id, recorded_at=at + 600_000)
    push(client, world.tokens["ann"], {"visit_outcomes": {"created": [outcome]}})
    with app.app_context():
        flagged = db.session.scalar(select(Violation).where(
            Violation.visit_id == visit_id, Violation.rule == "TWO_PERSON"))
        assert flagged.fact_id == outcome["id"] and flagged.detail["count"] == 1
        assert flagged.detail["collector_ids"] == [world.collectors["ann"]]
    push(client, world.tokens["bob"], _check_ins(facts.check_in(visit_id, recorded_at=at + 50)))
    assert ("TWO_PERSON", outcome["id"], "resolved") in _violations(app, visit_id)


def test_the_push_answers_before_its_effects_which_run_on_the_drain_thread(
        app, world, monkeypatch, backend):
    release, started, threads = threading.Event(), threading.Event(), []
    real = deferred.check_synced_facts

    def slow(session, ids, *args):
        threads.append(threading.current_thread())
        started.set()
        assert release.wait(10)
        return real(session, ids, *args)

    monkeypatch.setattr(deferred, "check_synced_facts", slow)
    late = _late(world.visits["ann"][0], 45)
    plain = FlaskClient(app, app.response_class)  # returns as soon as the answer is sent
    try:
        response = plain.post("/api/v1/sync/push", json={"changes": _check_ins(late)},
                              headers=world.tokens["ann"], buffered=True)
        assert response.status_code == 200 and response.get_json()["applied"] == {
            "check_ins": 1}
        assert started.wait(10)  # the drain is under way, the request long answered
        assert threads[0] is not threading.current_thread()
        assert threads[0].name == "fact-effects"
        if backend == "postgresql":  # SQLite's one writer (the drain) would lock the read out
            assert not any(f == late["id"] for _, f, _ in _violations(app, late["visit_id"]))
    finally:
        release.set()
        assert wait_for_effects(app)
    assert ("QUIET", late["id"], "open") in _violations(app, late["visit_id"])
    with app.app_context():
        assert db.session.scalar(select(FactEffect.id)) is None


def test_the_drain_thread_starts_with_a_push_ends_when_idle_and_starts_again(
        app, client, world, monkeypatch):
    from server.api import fact_effects

    monkeypatch.setattr(fact_effects, "IDLE_EXIT_S", 0.2)
    first = _late(world.visits["ann"][0], 50)
    push(client, world.tokens["ann"], _check_ins(first))
    drainer = fact_effects.drainer(app)
    assert ("QUIET", first["id"], "open") in _violations(app, first["visit_id"])
    deadline = threading.Event()
    for _ in range(50):  # the idle thread ends by itself
        if drainer._thread is None:
            break
        deadline.wait(0.1)
    assert drainer._thread is None
    second = _late(world.visits["ann"][0], 51)
    push(client, world.tokens["ann"], _check_ins(second))
    assert ("QUIET", second["id"], "open") in _violations(app, second["visit_id"])
    assert fact_effects.drainer(app) is drainer  # one drainer per process and app
