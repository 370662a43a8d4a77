"""Attack 6 of issue #14: the audit chain forged at its tail; actions that left no event.

The chain is keyed (HMAC, key from the environment); the scheduler's `audit_anchor` job writes
the head to a file outside the database; `flask audit verify` checks the anchors by default
and catches an edited, deleted, reordered, appended or truncated event.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from server.audit import service as audit
from server.audit.chain import canonical
from server.extensions import db
from server.models import AuditEvent, FollowUp, utcnow
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_day


@pytest.fixture
def anchored(app, runner, tmp_path, monkeypatch):
    """Five events, anchored by the scheduler's job into a file of this test's own."""
    path = tmp_path / "anchors.log"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    with app.app_context():
        for i in range(5):
            audit.record(db.session, "u1", "party.read", "party", f"p{i}", {"n": i})
        db.session.commit()
    done = runner.invoke(args=["jobs", "run-once", "audit_anchor"])
    assert done.exit_code == 0 and "anchored': 1" in done.output, done.output
    assert len(path.read_text().splitlines()) == 1
    return path


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def _sql(app, statement: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_an_untouched_anchored_chain_verifies(app, runner, anchored):
    result = _verify(runner)
    assert result.exit_code == 0 and "ok: 5 events, 1 anchors" in result.output


def test_an_event_appended_with_an_unkeyed_hash_is_caught(app, runner, anchored):
    with app.app_context():  # what the old chain accepted: SHA-256 over public fields
        head = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        at, detail = utcnow(), {"forged": True}
        body = canonical([head.hash, at, "u1", "user.create", "user", "evil", detail])
        db.session.add(AuditEvent(occurred_at=at, actor_id="u1", action="user.create",
                                  object_type="user", object_id="evil", detail=detail,
                                  prev_hash=head.hash,
                                  hash=hashlib.sha256(body.encode()).hexdigest()))
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and "without the key" in result.output


def test_cutting_off_the_newest_events_is_caught_by_the_anchor_file(app, runner, anchored):
    _sql(app, "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
    result = _verify(runner)  # no --anchor needed: the scheduler's file is read by default
    assert result.exit_code == 1 and "gone or changed" in result.output


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_edits_deletions_and_reordering_are_caught(app, runner, anchored, tamper):
    with app.app_context():
        ids = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
    if tamper == "edit":
        _sql(app, "UPDATE audit_events SET object_id = 'p9' WHERE id = :i", i=ids[1])
    elif tamper == "delete":
        _sql(app, "DELETE FROM audit_events WHERE id = :i", i=ids[1])
    else:  # swap two events' places in the order, hashes and all
        for old, new in ((ids[1], -1), (ids[2], ids[1]), (-1, ids[2])):
            _sql(app, "UPDATE audit_events SET id = :new WHERE id = :old", old=old, new=new)
    result = _verify(runner)
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_a_made_up_anchor_line_is_refused(app, runner, anchored):
    with anchored.open("a") as out:
        out.write('{"at": "x", "count": 1, "event_id": 1, "hash": "00", "mac": "00"}\n')
    result = _verify(runner)
    assert result.exit_code == 1 and "not a valid anchor" in result.output


def test_the_anchor_job_appends_only_when_the_head_moved(app, runner, anchored):
    runner.invoke(args=["jobs", "run-once", "audit_anchor"])
    assert len(anchored.read_text().splitlines()) == 1
    with app.app_context():
        audit.record(db.session, None, "rule.change", "rule_profile", "CN")
        db.session.commit()
    runner.invoke(args=["jobs", "run-once", "audit_anchor"])
    assert len(anchored.read_text().splitlines()) == 2
    assert _verify(runner).exit_code == 0


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return rows


def test_user_creation_route_plans_and_follow_up_actions_are_audited(app, client):
    with app.app_context():
        s = db.session
        team = f.team(s)
        admin, dispatcher = f.user(s, "admin"), f.user(s, "dispatcher", team)
        collector = f.user(s, "collector", team)
        case, visit = f.case_with_visit(s, collectors=[collector], team_row=team)
        ups = [FollowUp(case_id=case.id, visit_id=visit.id, kind="call", reason="r",
                        due_at=utcnow(), assigned_to=collector.id) for _ in range(2)]
        s.add_all(ups)
        s.commit()
        names = (admin.username, dispatcher.username, collector.username)
        admin_id, dispatcher_id, collector_id = admin.id, dispatcher.id, collector.id
        up_ids, team_code = [u.id for u in ups], team.code
    headers = {n: bearer(login(client, n)) for n in names}
    created = client.post("/api/v1/users", headers=headers[names[0]], json={
        "username": f.unique("new"), "password": "x" * 12, "role": "collector",
        "team": team_code})
    assert created.status_code == 201
    [event] = [e for e in _events(app, "user.create") if e.object_id == created.get_json()["id"]]
    assert event.actor_id == admin_id and event.detail["role"] == "collector"
    plan = client.post("/api/v1/route-plans", headers=headers[names[1]], json={
        "date": operation_day(1).isoformat(), "collectors": [names[2]]})
    assert plan.status_code == 201, plan.get_json()
    [event] = _events(app, "route_plan.create")
    assert event.actor_id == dispatcher_id and collector_id in event.detail["collector_ids"]
    assert event.detail["plan_ids"]
    done = client.post(f"/api/v1/follow-ups/{up_ids[0]}/complete", headers=headers[names[2]],
                       json={"resolution": "paid"})
    assert done.status_code == 200, done.get_json()
    cancelled = client.post(f"/api/v1/follow-ups/{up_ids[1]}/cancel",
                            headers=headers[names[1]], json={"reason": "duplicate"})
    assert cancelled.status_code == 200, cancelled.get_json()
    [complete], [cancel] = _events(app, "follow_up.complete"), _events(app, "follow_up.cancel")
    assert (complete.actor_id, complete.object_id) == (collector_id, up_ids[0])
    assert (cancel.actor_id, cancel.object_id) == (dispatcher_id, up_ids[1])
