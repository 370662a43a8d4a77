"""Users: role checks, agency scoping for dispatchers, admin creation, own profile."""

from __future__ import annotations

import json

from server.extensions import db
from tests.support import factories
from tests.support.api import bearer, login


def _setup(app):
    with app.app_context():
        team_a = factories.team(db.session)
        team_b = factories.team(db.session)
        names = {
            "admin": factories.user(db.session, role="admin").username,
            "dispatcher": factories.user(db.session, role="dispatcher", team_row=team_a).username,
            "collector_a": factories.user(db.session, role="collector", team_row=team_a).username,
            "collector_b": factories.user(db.session, role="collector", team_row=team_b).username,
        }
        db.session.commit()
        return names


def test_a_collector_listing_users_is_403(app, client):
    names = _setup(app)
    response = client.get("/api/v1/users", headers=bearer(login(client, names["collector_a"])))
    assert response.status_code == 403
    assert response.get_json()["code"] == 403


def test_a_dispatcher_sees_only_users_of_their_agency(app, client):
    names = _setup(app)
    response = client.get("/api/v1/users?page_size=50",
                          headers=bearer(login(client, names["dispatcher"])))
    assert response.status_code == 200
    listed = {u["username"] for u in response.get_json()}
    assert names["collector_a"] in listed and names["collector_b"] not in listed
    assert json.loads(response.headers["X-Pagination"])["total"] == len(listed)


def test_an_admin_sees_everyone_and_pages(app, client):
    names = _setup(app)
    token = login(client, names["admin"])
    first = client.get("/api/v1/users?page=1&page_size=2", headers=bearer(token))
    assert len(first.get_json()) == 2
    assert json.loads(first.headers["X-Pagination"])["total"] == 4


def test_page_size_beyond_the_limit_is_422(app, client):
    names = _setup(app)
    response = client.get("/api/v1/users?page_size=100000",
                          headers=bearer(login(client, names["admin"])))
    assert response.status_code == 422


def test_only_an_admin_creates_users(app, client):
    names = _setup(app)
    body = {"username": "new.collector", "password": "long enough pw", "role": "collector"}
    denied = client.post("/api/v1/users", json=body,
                         headers=bearer(login(client, names["dispatcher"])))
    assert denied.status_code == 403
    created = client.post("/api/v1/users", json=body, headers=bearer(login(client, names["admin"])))
    assert created.status_code == 201 and created.get_json()["role"] == "collector"
    assert login(client, "new.collector", "long enough pw")


def test_creating_a_duplicate_username_is_409(app, client):
    names = _setup(app)
    token = login(client, names["admin"])
    body = {"username": names["collector_a"], "password": "long enough pw", "role": "collector"}
    response = client.post("/api/v1/users", json=body, headers=bearer(token))
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"username": ["already taken"]}


def test_a_short_password_is_422(app, client):
    names = _setup(app)
    body = {"username": "shorty", "password": "short", "role": "collector"}
    response = client.post("/api/v1/users", json=body,
                           headers=bearer(login(client, names["admin"])))
    assert response.status_code == 422 and "password" in response.get_json()["errors"]


def test_everyone_reads_their_own_profile(app, client):
    names = _setup(app)
    response = client.get("/api/v1/users/me", headers=bearer(login(client, names["collector_a"])))
    assert response.status_code == 200
    assert response.get_json()["username"] == names["collector_a"]
    assert "password_hash" not in response.get_json()


def test_cli_creates_a_user_with_the_password_from_stdin(app, runner, client):
    result = runner.invoke(args=["users", "create", "cli.user", "--role", "dispatcher",
                                 "--password-stdin"], input="a fine password\n")
    assert result.exit_code == 0, result.output
    assert "created dispatcher cli.user" in result.output
    assert login(client, "cli.user", "a fine password")


def test_cli_refuses_an_unknown_team(app, runner):
    result = runner.invoke(args=["users", "create", "x.user", "--role", "collector", "--team",
                                 "NOPE", "--password-stdin"], input="a fine password\n")
    assert result.exit_code != 0
    assert "unknown team" in result.output
