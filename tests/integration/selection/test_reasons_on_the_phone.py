"""Collectors see on the phone why their cases were chosen: the day's score and its reasons,
as the dispatcher's API shows them, updated on the next pull when the day is scored again
(#19)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from server.models import SelectionModel, VisitAssignee
from server.selection.history import store_history_rows
from server.selection.learner_settings import FAST_TRAINING
from server.selection.model.render import history_rows
from server.selection.model.simulator import simulate
from server.selection.registry import approve_model
from server.selection.training import train_model
from server.sync.settings import SYNC_SCHEMA_VERSION
from tests.integration.dispatch.world import planned_visit, world
from tests.support.api import bearer, login
from tests.support.clock import operation_today


def _assigned(session, w, collector, n):
    visits = [planned_visit(session, w) for _ in range(n)]
    for visit in visits:
        visit.status = "assigned"
        session.add(VisitAssignee(visit_id=visit.id, user_id=collector.id))
    session.flush()
    return visits


def _phone(client, collector) -> dict:
    headers = bearer(login(client, collector.username, device_id=f"phone-{collector.id[:8]}"))
    return {**headers, "X-Device-Id": f"phone-{collector.id[:8]}"}


def _pull(client, headers, last=None) -> dict:
    answer = client.get("/api/v1/sync/pull", headers=headers, query_string={
        "last_pulled_at": "" if last is None else last, "schema_version": SYNC_SCHEMA_VERSION})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _score_day(client, dispatcher, team_id, capacity) -> dict:
    answer = client.post("/api/v1/selection/days", headers=dispatcher, json={
        "team": team_id, "date": operation_today().isoformat(), "capacity": capacity})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _scores(body) -> dict:
    return {r["case_id"]: r for r in body["changes"]["selection_scores"]["updated"]}


def test_a_rescored_day_updates_the_same_rows_on_the_collectors_phone_only(client, session):
    w = world(session, collectors=2)
    ann, bob = w.collectors
    mine = _assigned(session, w, ann, 2)
    theirs = _assigned(session, w, bob, 1)
    session.commit()
    dispatcher = bearer(login(client, w.dispatcher.username))
    ann_phone, bob_phone = _phone(client, ann), _phone(client, bob)
    _score_day(client, dispatcher, w.team.id, capacity=0)  # nobody chosen yet

    first = _pull(client, ann_phone)
    bob_first = _pull(client, bob_phone)
    assert set(_scores(first)) == {v.case_id for v in mine}
    assert set(_scores(bob_first)) == {v.case_id for v in theirs}
    assert not any(r["selected"] for r in _scores(first).values())

    _score_day(client, dispatcher, w.team.id, capacity=10)  # every case fits now
    after = _pull(client, ann_phone, first["timestamp"])

    rows = _scores(after)
    assert {c: (r["id"], r["selected"]) for c, r in rows.items()} == {
        c: (r["id"], True) for c, r in _scores(first).items()}  # same rows, the new choice
    assert after["changes"]["selection_scores"]["deleted"] == []
    assert theirs[0].case_id not in rows


def test_the_phone_reads_the_reasons_the_dispatcher_reads(client, session):
    lender_history_day = datetime.now(UTC).date() - timedelta(days=FAST_TRAINING.horizon_days)
    w = world(session, collectors=1)
    decided = datetime.combine(lender_history_day, datetime.min.time(), UTC)
    store_history_rows(session, w.lender.id, history_rows(simulate(800, seed=41), decided))
    model_id = train_model(session, datetime.now(UTC), FAST_TRAINING)["model_id"]
    approve_model(session, None, model_id, "reviewed for the test", datetime.now(UTC))
    visits = _assigned(session, w, w.collectors[0], 6)
    session.commit()
    dispatcher = bearer(login(client, w.dispatcher.username))

    day = _score_day(client, dispatcher, w.team.id, capacity=3)
    seen = client.get("/api/v1/selection/scores", headers=dispatcher, query_string={
        "team": w.team.id, "date": operation_today().isoformat()}).get_json()
    pulled = _scores(_pull(client, _phone(client, w.collectors[0])))

    assert day["model_version"] == session.get(SelectionModel, model_id).version
    assert set(pulled) == {v.case_id for v in visits}
    labelled = [s for s in seen if s["reason_labels"]]
    assert labelled  # the model arm's cases carry reasons
    for score in seen:
        phone = pulled[score["case_id"]]
        assert json.loads(phone["reasons"]) == score["reason_labels"]
        assert (phone["id"], phone["arm"], phone["selected"], phone["expected_value"]) == (
            score["id"], score["arm"], score["selected"], score["expected_value"])
        assert "p_visit" not in phone and "model_id" not in phone
