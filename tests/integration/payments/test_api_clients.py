"""API clients: an admin issues a lender's machine credential; it authenticates as the client."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import ApiClient, AuditEvent
from tests.integration.payments.support import lender_world, posting
from tests.support.api import bearer


def test_an_admin_creates_a_client_whose_token_is_shown_once_and_stored_hashed(app, client):
    w = lender_world(app, client)
    response = client.post("/api/v1/api-clients", headers=w.admin, json={
        "name": "core", "lender": w.code, "scopes": ["payments:write"]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["token"].startswith("dsc_") and body["scopes"] == ["payments:write"]
    listed = client.get("/api/v1/api-clients", headers=w.admin).get_json()
    assert body["id"] in {c["id"] for c in listed}
    assert all("token" not in c for c in listed)
    with app.app_context():
        stored = db.session.get(ApiClient, body["id"])
        assert body["token"] not in repr(vars(stored)) and len(stored.secret_hash) == 64
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.object_id == body["id"])) == "api_client.create"


def test_a_client_token_posts_as_the_client_not_as_a_person(app, client):
    w = lender_world(app, client)
    response = client.post("/api/v1/lender/postings", headers=w.client,
                           json=posting("T1", w.account_ref))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        actor = db.session.scalar(select(AuditEvent.actor_id).where(
            AuditEvent.action == "posting.create"))
        assert actor.startswith("client:")


def test_a_client_cannot_use_peoples_endpoints_and_people_cannot_post(app, client):
    w = lender_world(app, client)
    assert client.get("/api/v1/cases", headers=w.client).status_code == 403
    assert client.get("/api/v1/users/me", headers=w.client).status_code == 403
    refused = client.post("/api/v1/lender/postings", headers=w.ops,
                          json=posting("T1", w.account_ref))
    assert refused.status_code == 403


def test_a_client_without_the_write_scope_is_refused(app, client):
    w = lender_world(app, client, scopes=("payments:read",))
    response = client.post("/api/v1/lender/postings", headers=w.client,
                           json=posting("T1", w.account_ref))
    assert response.status_code == 403
    assert "payments:write" in response.get_json()["message"]


def test_a_revoked_client_is_refused_at_once_and_the_revocation_is_audited(app, client):
    w = lender_world(app, client)
    created = client.post("/api/v1/api-clients", headers=w.admin, json={
        "name": "core", "lender": w.code, "scopes": ["payments:write"]}).get_json()
    token = bearer(created["token"])
    assert client.post("/api/v1/lender/postings", headers=token,
                       json=posting("T1", w.account_ref)).status_code == 201
    revoked = client.post(f"/api/v1/api-clients/{created['id']}/revoke", headers=w.admin,
                          json={"reason": "key rotated"})
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    again = client.post("/api/v1/lender/postings", headers=token,
                        json=posting("T2", w.account_ref))
    assert again.status_code == 401
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "api_client.revoke")) == {"reason": "key rotated"}


def test_bad_client_requests_name_the_field(app, client):
    w = lender_world(app, client)
    unknown = client.post("/api/v1/api-clients", headers=w.admin, json={
        "name": "core", "lender": "NOPE", "scopes": ["payments:write"]})
    assert unknown.status_code == 422 and "lender" in unknown.get_json()["errors"]
    scope = client.post("/api/v1/api-clients", headers=w.admin, json={
        "name": "core", "lender": w.code, "scopes": ["everything"]})
    assert scope.status_code == 422 and "scopes" in str(scope.get_json()["errors"])
    assert client.post("/api/v1/api-clients", headers=w.ops, json={
        "name": "core", "lender": w.code, "scopes": ["payments:write"]}).status_code == 403


def test_the_cli_creates_and_revokes_a_client(app, runner, client):
    w = lender_world(app, client)
    result = runner.invoke(args=["api-clients", "create", "nightly", "--lender", w.code,
                                 "--scope", "payments:write"])
    assert result.exit_code == 0, result.output
    token = result.output.split("token (shown once): ")[1].strip()
    client_id = result.output.split("created API client ")[1].split()[0]
    assert client.post("/api/v1/lender/postings", headers=bearer(token),
                       json=posting("T9", w.account_ref)).status_code == 201
    result = runner.invoke(args=["api-clients", "revoke", client_id, "--reason", "done"])
    assert result.exit_code == 0, result.output
    assert client.post("/api/v1/lender/postings", headers=bearer(token),
                       json=posting("T10", w.account_ref)).status_code == 401
