"""POST /api/v1/cases/{id}/calls: calls land in the contact ledger the caps count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.compliance.inputs import attempts_for
from server.models import ContactAttempt, ContactPoint, Violation
from tests.integration.cases.world import cases_world
from tests.support.api import bearer, login

# 10:00 in Shanghai, yesterday or earlier whatever the hour the tests run
MORNING = (datetime.now(UTC) - timedelta(days=2)).replace(hour=2, minute=0, second=0,
                                                          microsecond=0)


def _call(client, token, case_id, point_id, at, connected=True, outcome="MET_DEBTOR"):
    return client.post(f"/api/v1/cases/{case_id}/calls", headers=bearer(token), json={
        "contact_point_id": point_id, "occurred_at": at.isoformat(), "connected": connected,
        "outcome": outcome})


def _phone(session, case):
    return session.scalar(select(ContactPoint.id).where(ContactPoint.party_id == case.debtor_id))


def test_a_collectors_calls_are_in_the_ledger_and_the_fourth_conversation_breaks_the_cap(
        client, session):
    c = cases_world(session)
    case = c.cases[0]
    session.commit()
    token = login(client, c.w.collectors[0].username)
    point = _phone(session, case)

    answers = [_call(client, token, case.id, point, MORNING + timedelta(minutes=10 * k))
               for k in range(4)]

    assert [a.status_code for a in answers] == [201] * 4
    assert [f["rule"] for f in answers[2].get_json()["findings"]] == []
    assert "CALL_CAP" in {f["rule"] for f in answers[3].get_json()["findings"]}
    ledger = attempts_for(session, [case.id])[case.id]
    assert [(a.channel, a.connected) for a in ledger] == [("call", True)] * 4
    row = session.scalar(select(ContactAttempt).limit(1))
    assert row.user_id == c.w.collectors[0].id and row.outcome == "MET_DEBTOR"
    feed = client.get(f"/api/v1/cases/{case.id}/timeline?kind=contact",
                      headers=bearer(token)).get_json()
    assert [e["info"] for e in feed["entries"]] == ["call"] * 4


def test_a_call_in_quiet_hours_is_logged_and_flagged(client, session):
    c = cases_world(session)
    session.commit()
    token = login(client, c.w.dispatcher.username)
    late = MORNING + timedelta(hours=13)  # 23:00 in Shanghai

    answer = _call(client, token, c.cases[1].id, _phone(session, c.cases[1]), late,
                   connected=False, outcome="NO_ANSWER")

    assert answer.status_code == 201
    assert "QUIET" in {f["rule"] for f in answer.get_json()["findings"]}
    flagged = session.scalars(select(Violation).where(Violation.case_id == c.cases[1].id)).all()
    assert [(v.rule, v.fact_table, v.fact_id, v.status) for v in flagged] == [
        ("QUIET", "contact_attempts", answer.get_json()["id"], "open")]


def test_calls_to_foreign_numbers_or_cases_and_future_calls_are_refused(client, session):
    c = cases_world(session)
    session.commit()
    collector = login(client, c.w.collectors[0].username)
    mine, other = c.cases[0], c.cases[1]

    foreign_number = _call(client, collector, mine.id, _phone(session, other), MORNING)
    peer_case = _call(client, collector, other.id, _phone(session, other), MORNING)
    future = _call(client, collector, mine.id, _phone(session, mine),
                   datetime.now(UTC) + timedelta(hours=1))

    assert foreign_number.status_code == 422
    assert "contact_point_id" in foreign_number.get_json()["errors"]
    assert peer_case.status_code == 404
    assert future.status_code == 422 and "occurred_at" in future.get_json()["errors"]
    assert session.scalar(select(ContactAttempt.id)) is None
