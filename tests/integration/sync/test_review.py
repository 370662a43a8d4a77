"""Attachments (content-addressed), quarantine review, device revocation."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Blob, CheckIn, QuarantinedRecord
from tests.integration.sync import facts
from tests.integration.sync.conftest import pull, push
from tests.support import factories
from tests.support.api import bearer, login

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg " * 40
SHA = hashlib.sha256(PHOTO).hexdigest()


def _staff(app, client, world, role, same_team=True):
    with app.app_context():
        team = None
        if same_team:
            from server.models import Team

            team = db.session.get(Team, world.team_id)
        user = factories.user(db.session, role=role, team_row=team)
        db.session.commit()
        name = user.username
    return bearer(login(client, name))


def _upload(client, headers, data=PHOTO, sha=SHA, visit_id=None):
    return client.put(f"/api/v1/attachments/{sha}", data=data, query_string={
        "visit_id": visit_id or _WORLD["visit"]}, headers={**headers, "Content-Type": "image/jpeg"})


_WORLD: dict = {}


@pytest.fixture(autouse=True)
def _ann_visit(world):
    _WORLD["visit"] = world.visits["ann"][0]


def test_attachment_upload_is_content_addressed_and_idempotent(app, client, world):
    first = _upload(client, world.tokens["ann"])
    assert first.status_code == 201 and first.get_json()["size"] == len(PHOTO)
    again = _upload(client, world.tokens["ann"])
    assert again.status_code == 200
    with app.app_context():
        blob = db.session.get(Blob, SHA)
        assert blob.storage_key == f"{SHA[:2]}/{SHA[2:4]}/{SHA}"
        assert blob.content_type == "image/jpeg"


def test_attachment_whose_bytes_do_not_match_the_hash_is_422(app, client, world):
    response = _upload(client, world.tokens["ann"], data=PHOTO + b"tampered")
    assert response.status_code == 422
    assert _upload(client, world.tokens["ann"], sha="not-a-hash").status_code == 422


def test_attachment_download_is_scoped(app, client, world):
    _upload(client, world.tokens["ann"])
    fact = {"id": "att-1", "visit_id": world.visits["ann"][0], "sha256": SHA, "kind": "photo",
            "content_type": "image/jpeg", "recorded_at": facts.now_ms()}
    push(client, world.tokens["ann"], {"attachments": {"created": [fact]}})
    mine = client.get(f"/api/v1/attachments/{SHA}", headers=world.tokens["ann"])
    assert mine.status_code == 200 and mine.data == PHOTO
    assert client.get(f"/api/v1/attachments/{SHA}", headers=world.tokens["bob"]).status_code \
        == 404
    dispatcher = _staff(app, client, world, "dispatcher")
    assert client.get(f"/api/v1/attachments/{SHA}", headers=dispatcher).status_code == 200
    other_team = _staff(app, client, world, "dispatcher", same_team=False)
    assert client.get(f"/api/v1/attachments/{SHA}", headers=other_team).status_code == 404


def _quarantine_one(app, client, world):
    row = facts.check_in(world.visits["ann"][0], lat="north")
    push(client, world.tokens["ann"], {"check_ins": {"created": [row]}})
    with app.app_context():
        return row, db.session.scalar(select(QuarantinedRecord.id))


def test_dispatcher_lists_and_replays_a_fixed_row(app, client, world):
    row, record_id = _quarantine_one(app, client, world)
    dispatcher = _staff(app, client, world, "dispatcher")
    listed = client.get("/api/v1/quarantine?status=open", headers=dispatcher)
    assert [r["id"] for r in listed.get_json()] == [record_id]
    detail = client.get(f"/api/v1/quarantine/{record_id}", headers=dispatcher).get_json()
    assert detail["errors"] == {"lat": ["expected a number"]} and detail["payload"] == row
    still_bad = client.post(f"/api/v1/quarantine/{record_id}/replay", headers=dispatcher,
                            json={"payload": row})
    assert still_bad.status_code == 422
    fixed = client.post(f"/api/v1/quarantine/{record_id}/replay", headers=dispatcher,
                        json={"payload": {**row, "lat": 31.23}})
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "replayed"
    with app.app_context():
        stored = db.session.get(CheckIn, row["id"])
        assert stored.lat == 31.23 and stored.user_id == world.collectors["ann"]
    again = client.post(f"/api/v1/quarantine/{record_id}/replay", headers=dispatcher,
                        json={"payload": {**row, "lat": 31.23}})
    assert again.status_code == 409


def test_other_teams_dispatcher_sees_nothing_and_dismiss_needs_a_reason(app, client, world):
    _, record_id = _quarantine_one(app, client, world)
    other = _staff(app, client, world, "dispatcher", same_team=False)
    assert client.get("/api/v1/quarantine", headers=other).get_json() == []
    assert client.get(f"/api/v1/quarantine/{record_id}", headers=other).status_code == 404
    admin = _staff(app, client, world, "admin", same_team=False)
    url = f"/api/v1/quarantine/{record_id}/dismiss"
    assert client.post(url, headers=admin, json={}).status_code == 422
    done = client.post(url, headers=admin, json={"reason": "duplicate of a paper form"})
    assert done.status_code == 200 and done.get_json()["status"] == "dismissed"
    assert client.get(url.replace("/dismiss", ""), headers=admin).get_json()[
        "resolution_note"] == "duplicate of a paper form"


def _audited(app, action: str) -> list[tuple]:
    with app.app_context():
        return [(e.object_id, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action))]


def test_reading_quarantined_rows_is_audited_and_refused_reads_are_not(app, client, world):
    _, record_id = _quarantine_one(app, client, world)
    other = _staff(app, client, world, "dispatcher", same_team=False)
    assert client.get("/api/v1/quarantine", headers=other).get_json() == []
    assert client.get(f"/api/v1/quarantine/{record_id}", headers=other).status_code == 404
    assert _audited(app, "quarantine.list") == _audited(app, "quarantine.read") == []
    dispatcher = _staff(app, client, world, "dispatcher")
    listed = client.get("/api/v1/quarantine", headers=dispatcher,
                        query_string={"status": "open"}).get_json()
    assert [r["id"] for r in listed] == [record_id]
    [(_, detail)] = _audited(app, "quarantine.list")
    assert detail["ids"] == [record_id] and detail["filters"]["status"] == "open"
    shown = client.get(f"/api/v1/quarantine/{record_id}", headers=dispatcher).get_json()
    assert shown["payload"]["id"]  # the payload is still served after the audit's commit
    assert [object_id for object_id, _ in _audited(app, "quarantine.read")] == [record_id]


def test_revoked_device_is_locked_out(app, client, world):
    admin = _staff(app, client, world, "admin", same_team=False)
    listed = client.get("/api/v1/devices", headers=admin).get_json()
    assert {d["id"] for d in listed} == {"phone-ann", "phone-bob"}
    dispatcher = _staff(app, client, world, "dispatcher")
    assert len(client.get("/api/v1/devices", headers=dispatcher).get_json()) == 2
    assert client.post("/api/v1/devices/phone-ann/revoke", headers=dispatcher,
                       json={"reason": "lost"}).status_code == 403
    revoked = client.post("/api/v1/devices/phone-ann/revoke", headers=admin,
                          json={"reason": "lost on the metro"})
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    pull(client, world.tokens["ann"], expect=401)
    pull(client, world.tokens["bob"])


def test_pulling_with_someone_elses_device_is_403(app, client, world):
    headers = {**world.tokens["ann"], "X-Device-Id": "phone-bob"}
    pull(client, headers, expect=403)
