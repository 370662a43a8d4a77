"""Every read of a debtor's personal data by a person is in the audit trail (COMPLIANCE.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.audit.service import verify
from server.extensions import db
from server.models import AuditEvent
from tests.security import world as seed
from tests.support.api import bearer, login


@pytest.fixture
def seeded(app):
    with app.app_context():
        w = seed.build(app, db.session)
        db.session.commit()
    return w


def _reads(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_dispatcher_reading_a_visit_is_audited(app, client, seeded):
    headers = bearer(login(client, seeded.users["dora"]))
    visit = seeded.own.ids["visit_id"]
    assert client.get(f"/api/v1/visits/{visit}", headers=headers).status_code == 200
    [event] = _reads(app, "visit.read")
    assert (event.actor_id, event.object_type, event.object_id) == (
        seeded.user_ids["dora"], "visit", visit)
    with app.app_context():
        assert verify(db.session)[1] is None


def test_a_collector_reading_an_address_is_audited(app, client, seeded):
    headers = bearer(login(client, seeded.users["ann"]))
    address = seeded.own.ids["address_id"]
    assert client.get(f"/api/v1/addresses/{address}", headers=headers).status_code == 200
    [event] = _reads(app, "address.read")
    assert (event.actor_id, event.object_id) == (seeded.user_ids["ann"], address)


def test_a_refused_read_records_nothing(app, client, seeded):
    headers = bearer(login(client, seeded.users["ann"]))
    visit = seeded.foreign.ids["visit_id"]
    assert client.get(f"/api/v1/visits/{visit}", headers=headers).status_code == 404
    assert _reads(app, "visit.read") == []


def test_a_pull_is_one_event_counting_what_was_sent_and_an_empty_pull_none(app, client,
                                                                             seeded):
    device = seeded.own.ids["device_id"]
    headers = {**bearer(login(client, seeded.users["ann"], device_id=device)),
               "X-Device-Id": device}
    first = client.get("/api/v1/sync/pull", headers=headers,
                       query_string={"last_pulled_at": "", "schema_version": 1})
    assert first.status_code == 200
    [event] = _reads(app, "sync.pull")
    assert (event.actor_id, event.object_type, event.object_id) == (
        seeded.user_ids["ann"], "device", device)
    assert event.detail["sent"]["parties"] == 2  # the debtor and the reference
    assert event.detail["sent"]["addresses"] == 1
    again = client.get("/api/v1/sync/pull", headers=headers, query_string={
        "last_pulled_at": first.get_json()["timestamp"], "schema_version": 1})
    assert again.status_code == 200
    assert len(_reads(app, "sync.pull")) == 1
