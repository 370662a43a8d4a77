"""Sync only with a token issued to a device, from that device, while it is not revoked."""

from __future__ import annotations

from server.extensions import db
from server.models import Device, utcnow
from tests.integration.sync.conftest import pull, push
from tests.support import factories
from tests.support.api import bearer, login


def test_a_token_issued_without_a_device_cannot_sync(app, client, world):
    with app.app_context():
        user = factories.user(db.session, role="collector")
        db.session.commit()
        username = user.username
    headers = {**bearer(login(client, username)), "X-Device-Id": "phone-unbound"}
    body = pull(client, headers, expect=403)
    assert "device_id" in body["message"]
    push(client, headers, {}, expect=403)
    with app.app_context():
        assert db.session.get(Device, "phone-unbound") is None  # nothing registered on the side


def test_another_device_id_than_the_tokens_is_refused(client, world):
    headers = {**world.tokens["ann"], "X-Device-Id": "phone-bob"}
    assert "differs" in pull(client, headers, expect=403)["message"]


def test_a_revoked_phone_cannot_sync_even_with_a_live_token(app, client, world):
    pull(client, world.tokens["ann"])
    with app.app_context():
        db.session.get(Device, "phone-ann").revoked_at = utcnow()
        db.session.commit()
    response = client.get("/api/v1/sync/pull", query_string={"schema_version": 1},
                          headers=world.tokens["ann"])
    assert response.status_code == 401
