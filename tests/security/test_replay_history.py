"""Attack 7 of issue #14: a quarantine replay accepted as a completely different fact.

A replay may change only the values that made the row fail; the fact keeps its id, author,
device and device time; the correction records the editor, the changed columns and the digest
of the payload the device sent.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, CheckIn, QuarantinedRecord, Team
from server.sync.wire import payload_digest
from tests.integration.sync import facts
from tests.integration.sync.conftest import build_world, push
from tests.support import factories
from tests.support.api import bearer, login


@pytest.fixture
def world(app, client):
    return build_world(app, client)


@pytest.fixture
def quarantined(app, client, world):
    row = facts.check_in(world.visits["ann"][0], lat="north")
    push(client, world.tokens["ann"], {"check_ins": {"created": [row]}})
    with app.app_context():
        team = db.session.get(Team, world.team_id)
        dispatcher = factories.user(db.session, "dispatcher", team)
        db.session.commit()
        record_id = db.session.scalar(select(QuarantinedRecord.id).where(
            QuarantinedRecord.row_id == row["id"]))
        name = dispatcher.username
    return row, record_id, bearer(login(client, name))


def _replay(client, headers, record_id, payload):
    return client.post(f"/api/v1/quarantine/{record_id}/replay", headers=headers,
                       json={"payload": payload})


@pytest.mark.parametrize("rewrite", [
    {"id": "ci-forged"}, {"kind": "out"}, {"visit_id": "another-visit"},
    {"recorded_at": 1_700_000_000_000}, {"accuracy_m": 1.0}])
def test_a_replay_that_rewrites_what_did_not_fail_is_refused(app, client, world, quarantined,
                                                            rewrite):
    row, record_id, dispatcher = quarantined
    answer = _replay(client, dispatcher, record_id, {**row, "lat": 31.23, **rewrite})
    assert answer.status_code == 422, answer.get_json()
    assert list(answer.get_json()["errors"]["payload"]) == list(rewrite)
    with app.app_context():
        assert db.session.get(QuarantinedRecord, record_id).status == "open"
        assert db.session.scalar(select(CheckIn.id)) is None


def test_a_replay_keeps_the_facts_identity_and_records_the_correction(app, client, world,
                                                                      quarantined):
    row, record_id, dispatcher = quarantined
    answer = _replay(client, dispatcher, record_id, {**row, "lat": 31.23})
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        s = db.session
        fact = s.get(CheckIn, row["id"])
        sent_at = datetime.fromtimestamp(row["recorded_at"] / 1000, UTC)
        assert (fact.user_id, fact.device_id, fact.lat) == (world.collectors["ann"], "phone-ann",
                                                            31.23)
        assert fact.recorded_at.replace(tzinfo=UTC) == sent_at
        record = s.get(QuarantinedRecord, record_id)
        editor = record.resolved_by
        assert record.correction == {"editor": editor, "changed": ["lat"],
                                     "original_digest": payload_digest(row)}
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "quarantine.replay"))
        assert (event.actor_id, event.object_id) == (editor, record_id)
        assert event.detail["changed"] == ["lat"]
    assert answer.get_json()["correction"]["changed"] == ["lat"]


def test_a_dismissal_is_audited(app, client, world, quarantined):
    _row, record_id, dispatcher = quarantined
    answer = client.post(f"/api/v1/quarantine/{record_id}/dismiss", headers=dispatcher,
                         json={"reason": "paper form instead"})
    assert answer.status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "quarantine.dismiss"))
        assert event.object_id == record_id and event.detail["reason"] == "paper form instead"
