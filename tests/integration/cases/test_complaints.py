"""Complaints: clocks from the case's profile, recusal, escalation, conduct blocks assignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.cases.complaints import escalate_complaints
from server.models import AuditEvent, Case, Complaint, FollowUp
from tests.integration.cases.world import cases_world
from tests.support import factories as f
from tests.support.api import bearer, login


def _open(client, token, case_id, **body):
    body = {"category": "conduct", "description": "shouted at the debtor's mother", **body}
    return client.post(f"/api/v1/cases/{case_id}/complaints", json=body,
                       headers=bearer(token))


def _patch(client, token, complaint_id, **body):
    return client.patch(f"/api/v1/complaints/{complaint_id}", json=body, headers=bearer(token))


def test_a_cn_complaint_is_due_in_15_days_30_when_complex_and_30_more_approved(client,
                                                                              session):
    c = cases_world(session)
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)
    officer = login(client, c.compliance.username)

    opened = _open(client, dispatcher, c.cases[0].id, visit_id=c.visit.id).get_json()
    received = datetime.fromisoformat(opened["received_at"])
    due = lambda body: datetime.fromisoformat(body["due_at"]) - received  # noqa: E731

    assert due(opened) == timedelta(days=15)
    assert opened["subject_user_ids"] == [c.w.collectors[0].id]  # the visit's collector
    complex_ = _patch(client, dispatcher, opened["id"], complex=True).get_json()
    assert due(complex_) == timedelta(days=30)
    refused = _patch(client, dispatcher, opened["id"], extend=True)
    assert refused.status_code == 422 and "extend" in refused.get_json()["errors"]
    extended = _patch(client, officer, opened["id"], extend=True).get_json()
    assert due(extended) == timedelta(days=60) and extended["extended_by"] == c.compliance.id
    assert _patch(client, officer, opened["id"], extend=True).status_code == 422


def test_uk_and_india_clocks_come_from_their_profiles(client, session):
    c = cases_world(session)
    session.get(Case, c.cases[1].id).jurisdiction = "UK"
    session.get(Case, c.cases[2].id).jurisdiction = "IN"
    session.commit()
    token = login(client, c.w.dispatcher.username)

    for case, days in ((c.cases[1], 56), (c.cases[2], 30)):
        body = _open(client, token, case.id, category="wrong_amount").get_json()
        assert (datetime.fromisoformat(body["due_at"])
                - datetime.fromisoformat(body["received_at"])) == timedelta(days=days)
        complex_ = _patch(client, token, body["id"], complex=True)
        assert complex_.status_code == 422 and "complex" in complex_.get_json()["errors"]


def test_the_handler_is_never_a_collector_complained_about(client, session):
    c = cases_world(session)
    session.commit()
    token = login(client, c.w.dispatcher.username)
    body = _open(client, token, c.cases[0].id,
                 subject_user_ids=[c.w.collectors[0].id, c.w.dispatcher.id]).get_json()

    recused = _patch(client, token, body["id"], handler_id=c.w.dispatcher.id)
    collector = _patch(client, token, body["id"], handler_id=c.w.collectors[1].id)
    handled = _patch(client, token, body["id"], handler_id=c.compliance.id,
                     status="investigating")

    assert recused.status_code == 422 and "recused" in str(recused.get_json()["errors"])
    assert collector.status_code == 422  # collectors do not handle complaints
    assert handled.status_code == 200 and handled.get_json()["acknowledged_at"]
    no_answer = _patch(client, token, body["id"], status="resolved")
    assert no_answer.status_code == 422 and "final_response" in no_answer.get_json()["errors"]
    early = _patch(client, token, body["id"], upheld=True)
    assert early.status_code == 422 and "upheld" in early.get_json()["errors"]
    done = _patch(client, token, body["id"], status="resolved", upheld=True,
                  final_response="apologised; collector retrained").get_json()
    assert done["status"] == "resolved" and done["resolved_at"] and done["upheld"] is True
    assert _patch(client, token, body["id"], complex=True).status_code == 422
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"complaint.open", "complaint.update"} <= actions


def test_an_open_conduct_complaint_keeps_the_collector_off_the_case(client, session):
    from tests.integration.cases.world import address_of
    from tests.integration.dispatch.world import collector

    c = cases_world(session)
    third = collector(session, c.w.team)
    case = c.cases[0]
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)
    complaint = _open(client, dispatcher, case.id, subject_user_ids=[c.w.collectors[0].id])
    from server.models import Visit

    visit = Visit(case_id=case.id, address_id=address_of(session, case).id,
                  scheduled_on=(datetime.now(UTC) + timedelta(days=3)).date())
    session.add(visit)
    session.commit()

    def assign(ids):
        return client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(dispatcher),
                            json={"version": 1, "assignees": ids})

    blocked = assign([c.w.collectors[0].id, c.w.collectors[1].id])
    assert blocked.status_code == 422
    assert "conduct complaint" in str(blocked.get_json()["errors"]["assignees"])
    assert assign([c.w.collectors[1].id, third.id]).status_code == 200
    _patch(client, dispatcher, complaint.get_json()["id"], handler_id=c.compliance.id,
           status="resolved", final_response="not substantiated")
    session.expire_all()
    again = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(dispatcher),
                         json={"version": 2, "assignees": [c.w.collectors[0].id, third.id]})
    assert again.status_code == 200, again.get_json()


def test_escalation_raises_one_review_before_the_clock_runs_out(client, session):
    c = cases_world(session)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    near = Complaint(case_id=c.cases[0].id, category="privacy", description="x",
                     received_at=now - timedelta(days=13), due_at=now + timedelta(days=2),
                     handler_id=c.compliance.id)
    far = Complaint(case_id=c.cases[1].id, category="privacy", description="y",
                    received_at=now, due_at=now + timedelta(days=15))
    session.add_all([near, far])
    session.commit()

    first = escalate_complaints(session, now)
    second = escalate_complaints(session, now + timedelta(hours=1))
    session.commit()

    assert (first, second) == ({"escalated": 1}, {"escalated": 0})
    review = session.scalar(select(FollowUp))
    assert (review.case_id, review.kind, review.assigned_to) == (
        c.cases[0].id, "review", c.compliance.id)
    assert session.get(Complaint, far.id).escalated_at is None


def test_lists_stats_case_flags_and_timeline_show_complaints_in_scope(client, session):
    c = cases_world(session)
    f.user(session, "admin")
    session.commit()
    token = login(client, c.w.dispatcher.username)
    mine = _open(client, token, c.cases[0].id, subject_user_ids=[c.w.collectors[0].id]).get_json()
    officer = login(client, c.compliance.username)
    foreign = _open(client, officer, c.foreign.id, category="privacy").get_json()

    listed = client.get("/api/v1/complaints?open=true", headers=bearer(token)).get_json()
    stats = client.get("/api/v1/complaints/stats", headers=bearer(token)).get_json()
    everyone = client.get("/api/v1/complaints/stats", headers=bearer(officer)).get_json()
    cases = client.get("/api/v1/cases?complaint=true", headers=bearer(token)).get_json()
    feed = client.get(f"/api/v1/cases/{c.cases[0].id}/timeline?kind=complaint",
                      headers=bearer(token)).get_json()

    assert [x["id"] for x in listed] == [mine["id"]]
    assert stats["collectors"] == {c.w.collectors[0].id: {"open": 1, "total": 1}}
    assert stats["agencies"] == {c.w.agency.id: {"open": 1, "total": 1}}
    assert everyone["agencies"][c.other.agency.id] == {"open": 1, "total": 1}
    assert [x["id"] for x in cases] == [c.cases[0].id]
    assert [(e["kind"], e["event"]) for e in feed["entries"]] == [("complaint", "received")]
    assert client.get(f"/api/v1/complaints/{foreign['id']}",
                      headers=bearer(token)).status_code == 404
