"""Assignments are checked against the case's rules; blocks need a reason, and are audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.models import AuditEvent, OutboxMessage, VisitAssignee
from tests.integration.dispatch.world import collector, placed_case, planned_visit, world
from tests.support.api import bearer, login
from tests.support.clock import operation_today

TOMORROW = (operation_today() + timedelta(days=1)).isoformat()


def _assign(client, token, visit_id, version, assignees, **extra):
    return client.patch(f"/api/v1/visits/{visit_id}", headers=bearer(token),
                        json={"version": version, "assignees": assignees, **extra})


def test_one_collector_on_a_cn_home_visit_is_blocked_by_two_person(client, session):
    w = world(session)
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = _assign(client, token, visit.id, 1, [w.collectors[0].id])

    assert response.status_code == 422
    body = response.get_json()
    assert "TWO_PERSON" in body["message"]
    assert [x["rule"] for x in body["errors"]["findings"] if x["severity"] == "block"] == [
        "TWO_PERSON"]
    assert session.scalar(select(VisitAssignee.id)) is None


def test_an_override_with_a_reason_lets_it_through_recorded_and_audited(client, session):
    w = world(session)
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    blank = _assign(client, token, visit.id, 1, [w.collectors[0].id],
                    overrides={"TWO_PERSON": "   "})
    response = _assign(client, token, visit.id, 1, [w.collectors[0].id],
                       overrides={"TWO_PERSON": "partner is sick; debtor's sister is present"})

    assert blank.status_code == 422
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "assigned" and body["version"] == 2
    assert body["assignees"][0]["override_reason"].startswith("TWO_PERSON: partner is sick")
    overridden = [x for x in body["findings"] if x["severity"] == "block"]
    assert [x["rule"] for x in overridden] == ["TWO_PERSON"]
    events = {e.action: e for e in session.scalars(select(AuditEvent))}
    assert events["visit.assign.override"].detail["overrides"] == {
        "TWO_PERSON": "partner is sick; debtor's sister is present"}
    assert events["visit.assign"].detail["after"] == [w.collectors[0].id]


def test_a_collector_with_an_expired_certification_is_blocked(client, session):
    w = world(session)
    lapsed = collector(session, w.team, certified=False)
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = _assign(client, token, visit.id, 1, [w.collectors[0].id, lapsed.id])

    assert response.status_code == 422
    blocks = [x for x in response.get_json()["errors"]["findings"] if x["severity"] == "block"]
    assert [(x["rule"], x["details"]["collector_id"]) for x in blocks] == [
        ("CREDENTIALS", lapsed.id)]


def test_warnings_are_returned_but_do_not_block(client, session):
    w = world(session)
    visit = planned_visit(session, w)  # today: too late for the 24 h notice CN asks for
    session.commit()
    token = login(client, w.dispatcher.username)

    response = _assign(client, token, visit.id, 1, [a.id for a in w.collectors])

    assert response.status_code == 200
    assert [x["rule"] for x in response.get_json()["findings"]] == ["NOTICE"]


def _notice(session, visit, status, sent_at=None):
    session.add(OutboxMessage(case_id=visit.case_id, recipient="13800000000",
                              template="visit_notice", body="notice", status=status,
                              due_at=datetime.now(UTC) - timedelta(days=3), sent_at=sent_at,
                              dedupe_key=f"visit-notice:{visit.id}"))


def test_a_notice_the_gateway_sent_in_time_silences_the_notice_warning(client, session):
    w = world(session)
    sent, queued = planned_visit(session, w), planned_visit(session, w)  # both today
    _notice(session, sent, "sent", datetime.now(UTC) - timedelta(days=2))
    _notice(session, queued, "pending")  # queued, never sent: no notice was given
    session.commit()
    token = login(client, w.dispatcher.username)

    announced = _assign(client, token, sent.id, 1, [a.id for a in w.collectors])
    unannounced = _assign(client, token, queued.id, 1, [a.id for a in w.collectors])

    assert announced.status_code == unannounced.status_code == 200
    assert announced.get_json()["findings"] == []
    assert [x["rule"] for x in unannounced.get_json()["findings"]] == ["NOTICE"]


def test_a_vulnerable_debtor_and_a_quiet_hours_appointment_block_creation(client, session):
    w = world(session)
    case, address = placed_case(session, w, vulnerable=True)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.post("/api/v1/visits", headers=bearer(token), json={
        "case_id": case.id, "address_id": address.id, "scheduled_on": TOMORROW,
        "window_start": f"{TOMORROW}T14:30:00+00:00", "window_end": f"{TOMORROW}T15:00:00+00:00",
        "assignees": [a.id for a in w.collectors]})

    assert response.status_code == 422
    blocks = {x["rule"] for x in response.get_json()["errors"]["findings"]
              if x["severity"] == "block"}
    assert blocks == {"VULNERABLE", "QUIET"}  # 22:30 in Shanghai


def test_collectors_of_another_agency_or_unknown_ids_cannot_be_assigned(client, session):
    w, rival = world(session), world(session)
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = _assign(client, token, visit.id, 1, [w.collectors[0].id, rival.collectors[0].id,
                                                    "ghost"])

    assert response.status_code == 422
    problems = response.get_json()["errors"]["assignees"]
    assert len(problems) == 2 and problems[0].startswith(rival.collectors[0].id)


def test_reassigning_ends_the_old_assignment_and_can_bring_a_collector_back(client, session):
    w = world(session, collectors=3)
    a, b, c = w.collectors
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    _assign(client, token, visit.id, 1, [a.id, b.id])
    _assign(client, token, visit.id, 2, [c.id, b.id])
    back = _assign(client, token, visit.id, 3, [a.id, c.id])
    cleared = _assign(client, token, visit.id, 4, [])

    assert [x["user_id"] for x in back.get_json()["assignees"]] == [a.id, c.id]
    assert back.get_json()["assignees"][0]["role"] == "lead"
    assert cleared.get_json()["status"] == "planned" and cleared.get_json()["assignees"] == []
    rows = session.scalars(select(VisitAssignee)).all()
    assert len(rows) == 3 and all(r.ended_at is not None for r in rows)
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "visit.assign")).all()) == 4


def test_rescheduling_into_quiet_hours_rechecks_the_current_collectors(client, session):
    w = world(session)
    visit = planned_visit(session, w, on=operation_today() + timedelta(days=1))
    session.commit()
    token = login(client, w.dispatcher.username)
    _assign(client, token, visit.id, 1, [a.id for a in w.collectors])

    response = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token), json={
        "version": 2, "window_start": f"{TOMORROW}T15:00:00+00:00",
        "window_end": f"{TOMORROW}T15:30:00+00:00"})

    assert response.status_code == 422
    assert "QUIET" in response.get_json()["message"]
