"""Compliance officers list violations with filters and close them with a note (audited)."""

from __future__ import annotations

from sqlalchemy import select

from server.compliance.engine import Finding, Rule, Severity
from server.compliance.violations import ViolationContext, record_violations
from server.models import AuditEvent
from tests.support import factories as f
from tests.support.api import bearer, login


def _flag(session, rule, collector, fact_id):
    finding = Finding(Rule(rule), Severity.BLOCK, f"{rule} broken", {"x": 1})
    return record_violations(session, [finding],
                             ViolationContext("check_ins", fact_id, user_id=collector.id))


def test_violations_are_listed_by_rule_and_collector_and_reviewed_once(client, session):
    officer = f.user(session, "compliance")
    a, b = f.user(session, "collector"), f.user(session, "collector")
    _flag(session, "QUIET", a, "c1")
    _flag(session, "QUIET", b, "c2")
    _flag(session, "TWO_PERSON", a, "c1")
    assert _flag(session, "QUIET", a, "c1") == 0  # the same rule on the same fact: once
    session.commit()
    token = login(client, officer.username)

    quiet = client.get("/api/v1/compliance/violations?rule=QUIET", headers=bearer(token))
    mine = client.get(f"/api/v1/compliance/violations?collector_id={a.id}&status=open",
                      headers=bearer(token))
    target = quiet.get_json()[0]["id"]
    reviewed = client.post(f"/api/v1/compliance/violations/{target}/review",
                           headers=bearer(token), json={"status": "dismissed", "note": "GPS"})
    again = client.post(f"/api/v1/compliance/violations/{target}/review",
                        headers=bearer(token), json={"status": "reviewed", "note": "x"})
    bad = client.post(f"/api/v1/compliance/violations/{target}/review",
                      headers=bearer(token), json={"status": "ignored"})

    assert len(quiet.get_json()) == 2 and quiet.headers["X-Pagination"]
    assert len(mine.get_json()) == 2
    assert reviewed.status_code == 200
    assert reviewed.get_json()["status"] == "dismissed"
    assert reviewed.get_json()["reviewed_by"] == officer.id
    assert again.status_code == 409
    assert bad.status_code == 422
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "compliance.violation_reviewed" in actions


def test_violations_are_inserted_in_key_order_so_two_workers_cannot_deadlock(session,
                                                                               monkeypatch):
    from server.compliance import violations

    sent = []
    real = violations.insert_rows

    def spy(session_, table, rows, **kwargs):
        sent.append([row["dedupe_key"] for row in rows])
        return real(session_, table, rows, **kwargs)

    monkeypatch.setattr(violations, "insert_rows", spy)
    collector = f.user(session, "collector")
    findings = [Finding(Rule(rule), Severity.BLOCK, f"{rule} broken", {})
                for rule in ("VISIT_CAP", "QUIET", "TWO_PERSON")]
    assert record_violations(session, findings,
                             ViolationContext("check_ins", "c9", user_id=collector.id)) == 3
    assert sent == [sorted(sent[0])] and len(sent[0]) == 3
