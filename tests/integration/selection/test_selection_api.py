"""The selection endpoints: who may approve, score, override and read, and what is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from server.models import AuditEvent, ModelStatus, SelectionModel
from server.selection.history import store_history_rows
from server.selection.learner_settings import FAST_TRAINING
from server.selection.model.render import history_rows
from server.selection.model.simulator import simulate
from server.selection.training import train_model
from tests.integration.dispatch.world import planned_visit, world
from tests.support import factories
from tests.support.api import bearer, login
from tests.support.clock import operation_today


def _audits(session, action):
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action))


def test_a_compliance_officer_approves_a_model_and_a_dispatcher_may_not(client, session):
    lender = factories.agency(session, kind="lender")
    now = datetime.now(UTC)
    decided = datetime.combine(now.date() - timedelta(days=30), datetime.min.time(), UTC)
    store_history_rows(session, lender.id, history_rows(simulate(600, seed=51), decided))
    model_id = train_model(session, now, FAST_TRAINING)["model_id"]
    officer = factories.user(session, role="compliance")
    w = world(session, collectors=0)
    session.commit()
    dispatcher = bearer(login(client, w.dispatcher.username))
    refused = client.post(f"/api/v1/selection/models/{model_id}/approve", headers=dispatcher,
                          json={"note": "looks fine"})
    assert refused.status_code == 403
    headers = bearer(login(client, officer.username))
    no_note = client.post(f"/api/v1/selection/models/{model_id}/approve", headers=headers,
                          json={})
    assert no_note.status_code == 422 and "note" in no_note.get_json()["errors"]
    ok = client.post(f"/api/v1/selection/models/{model_id}/approve", headers=headers,
                     json={"note": "model card and metrics reviewed"})
    assert ok.status_code == 200 and ok.get_json()["status"] == ModelStatus.APPROVED
    assert ok.get_json()["approved_by"] == officer.id
    again = client.post(f"/api/v1/selection/models/{model_id}/approve", headers=headers,
                        json={"note": "twice"})
    assert again.status_code == 409
    assert _audits(session, "selection_model.approve") == 1
    listed = client.get("/api/v1/selection/models", headers=dispatcher).get_json()
    assert [m["version"] for m in listed] == [1] and "artifact" not in listed[0]
    assert session.get(SelectionModel, model_id).status == ModelStatus.APPROVED


def test_a_dispatcher_scores_the_day_reads_it_and_overrides_a_case(client, session):
    w = world(session, collectors=0)
    visits = [planned_visit(session, w) for _ in range(3)]
    session.commit()
    headers = bearer(login(client, w.dispatcher.username))
    today = operation_today().isoformat()
    day = client.post("/api/v1/selection/days", headers=headers,
                      json={"team": w.team.id, "date": today, "capacity": 2})
    assert day.status_code == 200, day.get_json()
    body = day.get_json()
    assert body["candidates"] == 3 and body["selected"] == 2 and body["model_version"] is None
    scores = client.get("/api/v1/selection/scores", headers=headers,
                        query_string={"team": w.team.id, "date": today}).get_json()
    assert {s["case_id"] for s in scores} == {v.case_id for v in visits}
    assert _audits(session, "selection_score.list") == 1
    left_out = next(s for s in scores if not s["selected"])
    override = client.post(f"/api/v1/selection/scores/{left_out['id']}/override",
                           headers=headers, json={"action": "include",
                                                  "reason": "the debtor asked for a visit"})
    assert override.status_code == 200 and override.get_json()["selected"] is True
    bad = client.post(f"/api/v1/selection/scores/{left_out['id']}/override", headers=headers,
                      json={"action": "maybe", "reason": "x"})
    assert bad.status_code == 422 and {"action", "reason"} <= set(bad.get_json()["errors"])
    report = client.get("/api/v1/selection/report", headers=headers,
                        query_string={"month": today[:7]})
    assert report.status_code == 200
    arms = report.get_json()["arms"]
    assert arms["model"]["cases"] + arms["holdout"]["cases"] == 3
    assert client.get("/api/v1/selection/report", headers=headers,
                      query_string={"month": "2026-13"}).status_code == 422


def test_another_agencys_team_and_scores_are_not_found(client, session):
    mine, theirs = world(session, collectors=0), world(session, collectors=0)
    planned_visit(session, theirs)
    session.commit()
    headers = bearer(login(client, mine.dispatcher.username))
    today = operation_today().isoformat()
    assert client.post("/api/v1/selection/days", headers=headers,
                       json={"team": theirs.team.id, "date": today}).status_code == 404
    other = bearer(login(client, theirs.dispatcher.username))
    client.post("/api/v1/selection/days", headers=other, json={"team": theirs.team.id,
                                                              "date": today})
    score_id = client.get("/api/v1/selection/scores", headers=other, query_string={
        "team": theirs.team.id, "date": today}).get_json()[0]["id"]
    answer = client.post(f"/api/v1/selection/scores/{score_id}/override", headers=headers,
                         json={"action": "exclude", "reason": "not ours at all"})
    assert answer.status_code == 404
