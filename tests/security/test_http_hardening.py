"""Security headers, CORS, and what a production config refuses."""

from __future__ import annotations

import pytest

from server.config import ConfigError, load_config
from tests.support import factories as f
from tests.support.api import bearer, login

ALLOWED_ORIGIN = "https://console.doorstep.example"


@pytest.fixture
def admin_headers(app, client, session):
    user = f.user(session, "admin")
    session.commit()
    return bearer(login(client, user.username))


def test_every_answer_carries_the_security_headers(client):
    for response in (client.get("/api/v1/health"), client.get("/api/v1/users"),
                     client.get("/api/v1/nowhere"), client.get("/api/openapi.json")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_only_the_swagger_ui_page_may_run_scripts_and_only_its_own(client):
    docs = client.get("/api/docs").headers["Content-Security-Policy"]
    api = client.get("/api/v1/health").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline' ;" in docs and "http" not in docs
    assert "frame-ancestors 'none'" in docs
    assert "script-src" not in api


def test_authenticated_answers_are_never_cached(client, admin_headers):
    response = client.get("/api/v1/users/me", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_over_https_and_in_production_only(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/api/v1/health").headers
    secure = client.get("/api/v1/health", base_url="https://doorstep.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    monkeypatch.setitem(app.config, "DOORSTEP_ENV", "production")
    assert "Strict-Transport-Security" in client.get("/api/v1/health").headers


def _preflight(client, origin):
    return client.options("/api/v1/visits", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})


def test_a_preflight_from_a_configured_origin_is_answered(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CORS_ORIGINS", [ALLOWED_ORIGIN])
    response = _preflight(client, ALLOWED_ORIGIN)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_preflight_from_any_other_origin_is_refused_without_cors_headers(app, client,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "CORS_ORIGINS", [ALLOWED_ORIGIN])
    response = _preflight(client, "https://evil.example")
    assert response.status_code == 403
    assert response.get_json()["code"] == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    plain = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert "Origin" in plain.headers["Vary"]


def test_a_wildcard_cors_origin_is_refused_at_startup(tmp_path):
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        load_config({"CORS_ORIGINS": "*", "SECRET_KEY": "k"}, instance_path=str(tmp_path))


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"DOORSTEP_ENV": "production"}, instance_path=str(tmp_path))
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ConfigError, match="AUDIT_HMAC_KEY"):
        load_config({"DOORSTEP_ENV": "production", "SECRET_KEY": "from-the-env"},
                    instance_path=str(tmp_path))
    config = load_config({"DOORSTEP_ENV": "production", "SECRET_KEY": "from-the-env",
                          "AUDIT_HMAC_KEY": "audit-from-the-env"}, instance_path=str(tmp_path))
    assert config["SECRET_KEY"] == "from-the-env"
    assert config["AUDIT_HMAC_KEY"] == "audit-from-the-env"
    assert not (tmp_path / "audit_hmac_key").exists()


def test_the_dev_audit_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_config({}, instance_path=str(tmp_path))["AUDIT_HMAC_KEY"]
    assert (tmp_path / "audit_hmac_key").read_text() == first
    assert load_config({}, instance_path=str(tmp_path))["AUDIT_HMAC_KEY"] == first
    assert first != load_config({}, instance_path=str(tmp_path))["SECRET_KEY"]
