"""Tokens: log in, use, expire, revoke; wrong passwords and roles are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.auth.tokens import token_hash
from server.extensions import db
from server.models import AuthToken, Device, User, utcnow
from tests.support import factories
from tests.support.api import bearer, login


def _user(app, role="collector", **kw):
    with app.app_context():
        user = factories.user(db.session, role=role, **kw)
        db.session.commit()
        return user.username, user.id


def test_login_returns_a_token_with_expiry_and_user(app, client):
    username, user_id = _user(app, role="dispatcher")
    response = client.post("/api/v1/auth/tokens",
                           json={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"] == {**body["user"], "id": user_id, "role": "dispatcher"}
    assert body["expires_at"] and len(body["token"]) >= 40


def test_only_the_hash_of_a_token_is_stored(app, client):
    username, _ = _user(app)
    token = login(client, username)
    with app.app_context():
        stored = db.session.scalars(select(AuthToken.token_hash)).all()
    assert token not in stored
    assert token_hash(token) in stored


def test_password_is_stored_as_an_argon2_hash(app):
    _username, user_id = _user(app)
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$") and factories.PASSWORD not in stored


def test_wrong_password_is_401_json(app, client):
    username, _ = _user(app)
    response = client.post("/api/v1/auth/tokens", json={"username": username, "password": "nope"})
    assert response.status_code == 401
    assert response.get_json() == {
        "code": 401, "status": "Unauthorized", "message": "invalid username or password"}


def test_unknown_user_gets_the_same_401_as_a_wrong_password(client, app):
    response = client.post("/api/v1/auth/tokens",
                           json={"username": "ghost", "password": factories.PASSWORD})
    assert response.status_code == 401
    assert response.get_json()["message"] == "invalid username or password"


def test_repeated_failures_back_off_with_retry_after(app, client):
    username, _ = _user(app)
    for _ in range(5):  # LOGIN_FREE_FAILURES
        client.post("/api/v1/auth/tokens", json={"username": username, "password": "bad"})
    response = client.post("/api/v1/auth/tokens",
                           json={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["errors"] == {"retry_after": 1}


def test_missing_token_is_401(client, app):
    response = client.delete("/api/v1/auth/tokens/current")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_garbage_token_is_401(client, app):
    response = client.delete("/api/v1/auth/tokens/current", headers=bearer("not-a-token"))
    assert response.status_code == 401


def test_expired_token_is_401(app, client):
    username, _ = _user(app)
    token = login(client, username)
    with app.app_context():
        row = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_hash(token)))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.delete("/api/v1/auth/tokens/current", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["message"] == "token expired"


def test_logout_revokes_the_token(app, client):
    username, _ = _user(app)
    token = login(client, username)
    assert client.delete("/api/v1/auth/tokens/current", headers=bearer(token)).status_code == 204
    again = client.delete("/api/v1/auth/tokens/current", headers=bearer(token))
    assert again.status_code == 401
    assert again.get_json()["message"] == "token revoked"


def test_login_with_a_device_registers_it_and_a_revoked_device_is_locked_out(app, client):
    username, user_id = _user(app)
    token = login(client, username, device_id="phone-1")
    with app.app_context():
        device = db.session.get(Device, "phone-1")
        assert device.user_id == user_id
        device.revoked_at = utcnow()
        db.session.commit()
    assert client.delete("/api/v1/auth/tokens/current", headers=bearer(token)).status_code == 401
    relogin = client.post("/api/v1/auth/tokens", json={
        "username": username, "password": factories.PASSWORD, "device_id": "phone-1"})
    assert relogin.status_code == 403


def test_a_bad_device_id_is_422_with_the_field_named(client, app):
    response = client.post("/api/v1/auth/tokens", json={
        "username": "x", "password": "y", "device_id": "has spaces!"})
    assert response.status_code == 422
    assert "device_id" in response.get_json()["errors"]


def test_a_username_with_nul_is_a_422_not_a_500_on_postgresql(client):
    response = client.post("/api/v1/auth/tokens", json={"username": "ann\x00", "password": "x"})
    assert response.status_code == 422
    assert "username" in response.get_json()["errors"]


def test_a_hash_made_with_other_parameters_is_remade_on_the_next_log_in(app, client):
    """A password hashed with older argon2 parameters still logs in, and its stored hash is
    re-made with the parameters in use; a wrong password leaves it as it was."""
    from argon2 import PasswordHasher

    import server.auth.passwords as passwords

    username, user_id = _user(app)
    old = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2).hash(factories.PASSWORD)
    with app.app_context():
        db.session.get(User, user_id).password_hash = old
        db.session.commit()
    wrong = client.post("/api/v1/auth/tokens", json={"username": username,
                                                    "password": "not-the-password"})
    assert wrong.status_code == 401
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == old
    login(client, username)
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored != old and not passwords.needs_rehash(stored)
    assert passwords.verify_password(stored, factories.PASSWORD)
    from server.models import AuditEvent
    with app.app_context():
        details = [e.detail for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "login", AuditEvent.object_id == user_id).order_by(AuditEvent.id))]
    assert details and details[-1].get("password_rehashed") is True



def test_the_rows_authentication_read_serve_the_request_without_reading_them_again(
        app, client):
    """The token query joins the user and the device; the view's own read of the user (and a
    sync's of its device) finds them in the session instead of asking the database again."""
    from sqlalchemy import event

    username, _ = _user(app)
    headers = bearer(login(client, username))
    statements = []
    with app.app_context():
        engine = db.engine

        def count(conn, cursor, statement, *args):
            if not statement.startswith("BEGIN"):  # SQLite's explicit transaction start
                statements.append(statement.split()[0:4])
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/api/v1/users/me", headers=headers).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements  # the token, its user and device in one
