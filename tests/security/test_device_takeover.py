"""Attack 3 of issue #14: logging in with another user's device id took the device over.

A device id belongs to the user who registered it: another user's login with it is refused
(409, audited) and the owner keeps syncing; only an admin's release frees it.
"""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Device, User
from tests.integration.sync.conftest import build_world, pull
from tests.support import factories as f
from tests.support.api import bearer, login

PASSWORD = f.PASSWORD


def _user(app, role, **kw) -> tuple[str, str]:
    with app.app_context():
        team = f.team(db.session) if role in ("collector", "dispatcher") else None
        user = f.user(db.session, role, team, **kw)
        db.session.commit()
        return user.username, user.id


def _claim(client, username):
    return client.post("/api/v1/auth/tokens", json={
        "username": username, "password": PASSWORD, "device_id": "phone-ann"})


def test_another_users_login_with_a_registered_device_is_refused_and_the_owner_syncs_on(
        app, client):
    world = build_world(app, client)
    pull(client, world.tokens["ann"])
    for role in ("collector", "dispatcher"):  # another agency's collector, a dispatcher
        name, user_id = _user(app, role)
        answer = _claim(client, name)
        assert answer.status_code == 409, answer.get_json()
        assert answer.get_json()["errors"] == {"device_id": ["registered to another user"]}
        assert "token" not in answer.get_json()
        with app.app_context():
            event = db.session.scalar(select(AuditEvent).where(
                AuditEvent.action == "device.claim_refused", AuditEvent.actor_id == user_id))
            assert event.object_id == "phone-ann"
    assert _claim(client, _user(app, "collector")[0]).status_code == 409
    pull(client, world.tokens["ann"])  # still hers, still syncing
    with app.app_context():
        assert db.session.get(Device, "phone-ann").user_id == world.collectors["ann"]


def test_an_admin_releases_a_device_and_the_next_login_takes_it(app, client):
    world = build_world(app, client)
    admin = bearer(login(client, _user(app, "admin")[0]))
    dispatcher = bearer(login(client, _user(app, "dispatcher")[0]))
    body = {"reason": "handed to a colleague"}
    assert client.post("/api/v1/devices/phone-ann/release", json=body,
                       headers=dispatcher).status_code == 403
    released = client.post("/api/v1/devices/phone-ann/release", json=body, headers=admin)
    assert released.status_code == 200 and released.get_json()["released_at"]
    assert client.get("/api/v1/sync/pull", query_string={"schema_version": 1},
                      headers=world.tokens["ann"]).status_code == 401  # her tokens ended
    name, user_id = _user(app, "collector")
    assert _claim(client, name).status_code == 201
    assert _claim(client, name).status_code == 201  # the new owner logs in again
    with app.app_context():
        device = db.session.get(Device, "phone-ann")
        assert (device.user_id, device.released_at) == (user_id, None)
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == "phone-ann").order_by(AuditEvent.id)))
    assert actions == ["device.register", "device.release", "device.register"]
    assert _claim(client, _username(app, world.collectors["ann"])).status_code == 409  # now hers


def _username(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).username
