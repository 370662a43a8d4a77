"""Attack 2 of issue #14: a photo readable by anyone who knows its hash.

Possessing a hash grants nothing: a collector downloads only bytes that were uploaded for a
visit they are assigned to now and that a fact on that visit names; the co-assigned partner is
one of them. A fact naming bytes uploaded for another visit is quarantined. Every download is
audited.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from server.extensions import db
from server.models import Attachment, AuditEvent, QuarantinedRecord, VisitAssignee
from tests.integration.sync import facts
from tests.integration.sync.conftest import build_world, push
from tests.support import factories as f
from tests.support.api import bearer, login


def _photo(tag: str) -> tuple[bytes, str]:
    data = f"jpeg of {tag} {f.unique('')}".encode()
    return data, hashlib.sha256(data).hexdigest()


def _upload(client, headers, data, sha, visit_id):
    return client.put(f"/api/v1/attachments/{sha}", data=data, query_string={
        "visit_id": visit_id}, headers={**headers, "Content-Type": "image/jpeg"})


def _fact(visit_id, sha) -> dict:
    return {"id": f"att-{f.unique('')}", "visit_id": visit_id, "sha256": sha, "kind": "photo",
            "content_type": "image/jpeg", "recorded_at": facts.now_ms()}


def _other_agency_collector(app, client, world):
    """Bill, of another agency, with a visit of his own and a photo uploaded for it."""
    with app.app_context():
        s = db.session
        team = f.team(s)
        bill = f.user(s, team_row=team)
        _case, visit = f.case_with_visit(s, collectors=[bill], team_row=team)
        s.commit()
        name, visit_id = bill.username, visit.id
    headers = {**bearer(login(client, name, device_id=f"phone-{name}")),
               "X-Device-Id": f"phone-{name}"}
    data, sha = _photo("bill")
    assert _upload(client, headers, data, sha, visit_id).status_code == 201
    push(client, headers, {"attachments": {"created": [_fact(visit_id, sha)]}})
    return headers, sha


def test_a_fact_naming_another_visits_photo_is_quarantined_and_grants_nothing(app, client):
    world = build_world(app, client)
    bill, sha = _other_agency_collector(app, client, world)
    ann = world.tokens["ann"]
    assert client.get(f"/api/v1/attachments/{sha}", headers=ann).status_code == 404
    fact = _fact(world.visits["ann"][0], sha)
    answer = push(client, ann, {"attachments": {"created": [fact]}})
    assert answer["experimentalRejectedIds"] == {"attachments": [fact["id"]]}
    with app.app_context():
        record = db.session.scalar(select(QuarantinedRecord).where(
            QuarantinedRecord.row_id == fact["id"]))
        assert record.reason == "attachment_not_for_visit"
        assert db.session.get(Attachment, fact["id"]) is None
    assert client.get(f"/api/v1/attachments/{sha}", headers=ann).status_code == 404
    assert client.get(f"/api/v1/attachments/{sha}", headers=bill).status_code == 200


def test_a_hash_nobody_stored_and_a_foreign_one_answer_alike(app, client):
    world = build_world(app, client)
    _bill, sha = _other_agency_collector(app, client, world)
    ann = world.tokens["ann"]
    foreign = client.get(f"/api/v1/attachments/{sha}", headers=ann)
    unknown = client.get(f"/api/v1/attachments/{'0' * 64}", headers=ann)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_json() == unknown.get_json()


def test_the_co_assigned_partner_downloads_the_visits_photo(app, client):
    world = build_world(app, client)
    shared = world.visits["ann"][0]
    with app.app_context():
        db.session.add(VisitAssignee(visit_id=shared, user_id=world.collectors["bob"]))
        db.session.commit()
    data, sha = _photo("shared")
    assert _upload(client, world.tokens["ann"], data, sha, shared).status_code == 201
    push(client, world.tokens["ann"], {"attachments": {"created": [_fact(shared, sha)]}})
    partner = client.get(f"/api/v1/attachments/{sha}", headers=world.tokens["bob"])
    assert partner.status_code == 200 and partner.data == data


def test_bytes_can_be_uploaded_only_for_ones_own_visit(app, client):
    world = build_world(app, client)
    data, sha = _photo("elsewhere")
    answer = _upload(client, world.tokens["ann"], data, sha, world.visits["bob"][0])
    assert answer.status_code == 404
    assert _upload(client, world.tokens["ann"], data, sha, None).status_code == 422


def test_every_download_is_audited_with_the_visits_that_allowed_it(app, client):
    world = build_world(app, client)
    visit = world.visits["ann"][0]
    data, sha = _photo("audited")
    _upload(client, world.tokens["ann"], data, sha, visit)
    push(client, world.tokens["ann"], {"attachments": {"created": [_fact(visit, sha)]}})
    for _ in range(3):
        assert client.get(f"/api/v1/attachments/{sha}",
                          headers=world.tokens["ann"]).status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "attachment.download", AuditEvent.object_id == sha)).all()
        assert len(events) == 3
        assert {e.actor_id for e in events} == {world.collectors["ann"]}
        assert events[0].detail["visit_ids"] == [visit]
