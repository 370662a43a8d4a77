"""Why a case was chosen travels to the phone: today's score of the collector's own cases, with
its reasons labelled, read-only, forgotten when the case or the day moves on (#19)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from server.extensions import db
from server.models import QuarantinedRecord, SelectionScore, SyncCursor, VisitAssignee, utcnow
from tests.integration.sync.conftest import ids, pull, push
from tests.support.clock import operation_day, operation_today

REASONS = ["BROKEN_PROMISES", "UNREACHABLE", "ADDRESS_VERIFIED"]
INTERNALS = {"team_id", "model_id", "p_visit", "p_no_visit", "expected_amount",
             "override_reason", "override_by", "override_at"}


def _score(case_id, on=None, **kw) -> str:
    row = SelectionScore(case_id=case_id, scored_on=on or operation_today(), arm="model",
                         p_visit=0.61, p_no_visit=0.18, uplift=0.43, expected_amount=3200.0,
                         expected_value=1226.0, reasons=REASONS, selected=True,
                         override_reason="note for dispatchers only", **kw)
    db.session.add(row)
    db.session.flush()
    return row.id


def _scores(app, world, on=None) -> dict:
    """One score per case of both collectors, for `on` (today): {collector: [score ids]}."""
    with app.app_context():
        out = {name: [_score(world.cases[v], on) for v in visits]
               for name, visits in world.visits.items()}
        db.session.commit()
        return out


def _rows(body) -> dict:
    return {r["id"]: r for r in body["changes"]["selection_scores"]["updated"]}


def test_a_pull_carries_the_labelled_reasons_of_the_collectors_own_cases_only(app, client,
                                                                            world):
    today = _scores(app, world)
    _scores(app, world, on=operation_day(-1))  # yesterday's rows stay on the server

    ann = _rows(pull(client, world.tokens["ann"]))
    bob = _rows(pull(client, world.tokens["bob"]))

    assert set(ann) == set(today["ann"]) and set(bob) == set(today["bob"])
    row = ann[today["ann"][0]]
    assert json.loads(row["reasons"]) == [
        {"code": "BROKEN_PROMISES", "en": "Broken promises: a visit may help",
         "zh": "有违约承诺，上门可能有帮助"},
        {"code": "UNREACHABLE", "en": "Hard to reach", "zh": "难以联系"},
        {"code": "ADDRESS_VERIFIED", "en": "Address verified", "zh": "地址已核实"}]
    assert row["scored_on"] == operation_today().isoformat()
    assert (row["arm"], row["selected"], row["uplift"], row["expected_value"]) == (
        "model", True, 0.43, 1226.0)
    assert row["case_id"] in {world.cases[v] for v in world.visits["ann"]}
    assert not INTERNALS & set(row)


def test_an_app_on_schema_2_gets_no_scores_until_its_migration_pull(app, client, world):
    mine = _scores(app, world)["ann"]
    old = pull(client, world.tokens["ann"], schema_version=2)
    assert "selection_scores" not in old["changes"]
    assert "case_requests" in old["changes"]  # what version 2 brought still comes

    migration = {"from": 2, "tables": ["selection_scores"], "columns": []}
    migrated = pull(client, world.tokens["ann"], last=old["timestamp"],
                    migration=json.dumps(migration))
    assert set(_rows(migrated)) == set(mine)


def test_a_changed_score_reaches_the_next_pull_and_another_collectors_never(app, client,
                                                                           world):
    mine = _scores(app, world)["ann"]
    ann, bob = (pull(client, world.tokens[n]) for n in ("ann", "bob"))
    with app.app_context():
        row = db.session.get(SelectionScore, mine[0])
        row.selected, row.override = False, "exclude"  # a dispatcher takes the case out
        db.session.commit()

    ann_next = pull(client, world.tokens["ann"], ann["timestamp"])
    bob_next = pull(client, world.tokens["bob"], bob["timestamp"])

    assert {i: (r["selected"], r["override"]) for i, r in _rows(ann_next).items()} == {
        mine[0]: (False, "exclude")}
    assert bob_next["changes"]["selection_scores"] == {"created": [], "updated": [],
                                                       "deleted": []}


def test_a_case_leaving_the_collector_takes_its_score_off_the_phone(app, client, world):
    scores = _scores(app, world)
    moved = world.visits["ann"][0]
    first = pull(client, world.tokens["ann"])
    bob_first = pull(client, world.tokens["bob"])
    with app.app_context():
        db.session.scalar(select(VisitAssignee).where(
            VisitAssignee.visit_id == moved)).ended_at = utcnow()
        db.session.add(VisitAssignee(visit_id=moved, user_id=world.collectors["bob"]))
        db.session.commit()

    after = pull(client, world.tokens["ann"], first["timestamp"])
    bob_after = pull(client, world.tokens["bob"], bob_first["timestamp"])

    assert after["changes"]["selection_scores"]["deleted"] == [scores["ann"][0]]
    assert scores["ann"][1] not in after["changes"]["selection_scores"]["deleted"]
    assert ids(bob_after, "selection_scores") == {scores["ann"][0]}  # the subtree arrives


def test_on_a_new_day_yesterdays_score_leaves_and_todays_arrives(app, client, world):
    yesterday = _scores(app, world, on=operation_day(-1))["ann"]
    today = _scores(app, world)["ann"]  # written before the pull, for the day after it
    first = pull(client, world.tokens["ann"])
    with app.app_context():  # that pull was made yesterday (the cursor's day is the device's)
        db.session.execute(update(SyncCursor).where(SyncCursor.id == first["timestamp"])
                           .values(created_at=utcnow() - timedelta(days=1)))
        db.session.commit()

    body = pull(client, world.tokens["ann"], first["timestamp"])

    assert sorted(body["changes"]["selection_scores"]["deleted"]) == sorted(yesterday)
    assert set(_rows(body)) == set(today)


def test_a_device_may_not_create_change_or_delete_a_score(app, client, world):
    mine = _scores(app, world)["ann"]
    first = pull(client, world.tokens["ann"])
    pulled = _rows(first)[mine[0]]
    forged = {**pulled, "id": "forged-score-1"}
    changed = {**pulled, "selected": False}

    body = push(client, world.tokens["ann"], {"selection_scores": {
        "created": [forged], "updated": [changed], "deleted": [mine[1]]}},
        last=first["timestamp"])
    unchanged = push(client, world.tokens["ann"], {"selection_scores": {
        "updated": [pulled]}}, last=first["timestamp"])  # what it pulled, sent back as is

    assert sorted(body["experimentalRejectedIds"]["selection_scores"]) == sorted(
        ["forged-score-1", mine[0], mine[1]])
    assert unchanged["experimentalRejectedIds"] == {}
    with app.app_context():
        reasons = dict(db.session.execute(
            select(QuarantinedRecord.row_id, QuarantinedRecord.reason)).all())
        assert reasons == {"forged-score-1": "server_owned", mine[0]: "forbidden_column",
                           mine[1]: "delete_not_allowed"}
        assert db.session.get(SelectionScore, mine[0]).selected is True
        assert db.session.scalar(select(func.count()).select_from(SelectionScore)) == 4
