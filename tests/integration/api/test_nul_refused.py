"""NUL in anything a request sends (query, form, JSON value or key) is a 422, never a 500.

PostgreSQL text cannot hold NUL; the request parser (server/api/parser.py) refuses it for
every field, including fields whose schema has no validator of its own.
"""

from __future__ import annotations

from server.api.parser import nul_errors
from server.extensions import db
from tests.support import factories
from tests.support.api import bearer, login


def _admin(app, client):
    with app.app_context():
        admin = factories.user(db.session, role="admin")
        db.session.commit()
        return admin.id, bearer(login(client, admin.username))


def test_nul_in_a_body_field_without_its_own_validator_is_a_422(app, client):
    admin_id, headers = _admin(app, client)
    response = client.patch(f"/api/v1/users/{admin_id}", headers=headers,
                            json={"display_name": "Ad\x00am"})
    body = response.get_json()
    assert response.status_code == 422, body
    assert "display_name" in str(body["errors"]) and "NUL" in str(body["errors"])
    clean = client.patch(f"/api/v1/users/{admin_id}", headers=headers,
                         json={"display_name": "Adam"})
    assert clean.status_code == 200, clean.get_json()


def test_nul_in_a_query_value_or_a_body_key_is_a_422(app, client):
    _, headers = _admin(app, client)
    query = client.get("/api/v1/users", headers=headers, query_string={"role": "adm\x00in"})
    assert query.status_code == 422 and "role" in str(query.get_json()["errors"])
    key = client.patch("/api/v1/users/x", headers=headers, json={"display\x00name": "A"})
    assert key.status_code == 422, key.get_json()


def test_nul_errors_name_where_the_nul_was_at_any_depth():
    assert nul_errors({"a": "ok", "b": [{"c": "x\x00"}], "d": 3}) == {"b": {0: {"c": [
        "must not contain NUL"]}}}
    assert nul_errors({"k\x00": "v"}) == {"_schema": ["a key must not contain NUL"]}
    assert nul_errors({"a": ["fine", "also fine"], "n": None}) is None
