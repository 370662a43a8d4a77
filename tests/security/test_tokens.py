"""Tokens stop working the moment their user is disabled or their device revoked by an admin."""

from __future__ import annotations

from server.models import User
from tests.support import factories as f
from tests.support.api import bearer, login


def test_a_disabled_users_token_stops_working_at_once(app, client, session):
    collector = f.user(session, "collector")
    session.commit()
    headers = bearer(login(client, collector.username))
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    session.get(User, collector.id).active = False
    session.commit()
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_admin_revoking_a_phone_locks_its_token_out(app, client, session):
    collector, admin = f.user(session, "collector"), f.user(session, "admin")
    session.commit()
    phone = bearer(login(client, collector.username, device_id="lost-phone"))
    revoked = client.post("/api/v1/devices/lost-phone/revoke", json={"reason": "lost"},
                          headers=bearer(login(client, admin.username)))
    assert revoked.status_code == 200
    assert client.get("/api/v1/users/me", headers=phone).status_code == 401
