"""Audit events are chained in the database; verify catches tampering; the API is restricted."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.extensions import db
from server.models import AuditEvent
from tests.support import factories
from tests.support.api import bearer, login


def test_recorded_events_verify_and_tampering_is_caught(session):
    for i in range(5):
        audit.record(session, "u1", "party.read", "party", f"p{i}", {"fields": ["phone"]})
    session.commit()
    assert audit.verify(session) == (5, None)
    session.execute(text("UPDATE audit_events SET action = 'nothing' WHERE id = "
                         "(SELECT min(id) + 2 FROM audit_events)"))
    session.commit()
    _, broken = audit.verify(session)
    assert broken is not None and "edited" in broken.reason


def test_deleting_the_newest_events_is_caught_by_the_anchor(session):
    for i in range(3):
        audit.record(session, "u1", "export", "case", f"c{i}")
    session.commit()
    anchor = audit.head_hash(session)
    assert audit.verify(session, anchor)[1] is None
    session.execute(text("DELETE FROM audit_events WHERE hash = :h"), {"h": anchor})
    session.commit()
    assert audit.verify(session)[1] is None  # the chain alone can't see a cut tail
    assert "anchor" in audit.verify(session, anchor)[1].reason


def test_a_login_and_a_failed_login_are_audited(app, client):
    with app.app_context():
        user = factories.user(db.session, role="collector")
        db.session.commit()
        username, user_id = user.username, user.id
    client.post("/api/v1/auth/tokens", json={"username": username, "password": "wrong"})
    login(client, username, device_id="dev-9")
    with app.app_context():
        actions = db.session.execute(
            text("SELECT action, actor_id FROM audit_events WHERE action LIKE 'login%' "
                 "ORDER BY id")).all()
    assert [tuple(a) for a in actions] == [("login.failed", user_id), ("login", user_id)]


def test_only_compliance_and_admin_read_the_trail(app, client):
    with app.app_context():
        officer = factories.user(db.session, role="compliance").username
        collector = factories.user(db.session, role="collector").username
        db.session.commit()
    assert client.get("/api/v1/audit-events",
                      headers=bearer(login(client, collector))).status_code == 403
    response = client.get("/api/v1/audit-events?action=login",
                          headers=bearer(login(client, officer)))
    assert response.status_code == 200
    assert {e["action"] for e in response.get_json()} == {"login"}


def test_cli_verify_reports_ok_and_then_the_break(app, runner):
    with app.app_context():
        audit.record(db.session, None, "rule.change", "rule_profile", "CN")
        audit.record(db.session, None, "rule.change", "rule_profile", "US")
        db.session.commit()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "ok: 2 events" in ok.output
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_events WHERE object_id = 'CN'"))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "BROKEN" in broken.output


def test_concurrent_writers_keep_one_unbroken_chain(app):
    with app.app_context():
        engine = db.engine

        def write(n):
            for i in range(15):
                with Session(engine) as s:
                    audit.record(s, f"w{n}", "party.read", "party", f"{n}-{i}")
                    s.commit()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with Session(engine) as s:
            count, broken = audit.verify(s)
            assert s.query(AuditEvent).count() == 60
    assert (count, broken) == (60, None)
