"""Health says ok only when the database answers and migrations are at head."""

from __future__ import annotations

from sqlalchemy import text

from server.extensions import db


def test_health_is_ok_on_a_migrated_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["migrations"]["at_head"] is True
    assert body["migrations"]["current"] == body["migrations"]["head"]


def test_health_is_503_when_the_schema_is_behind(app, client):
    with app.app_context():
        with db.engine.begin() as conn:
            (current,) = conn.execute(text("SELECT version_num FROM alembic_version")).one()
            conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        try:
            response = client.get("/api/v1/health")
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    assert response.status_code == 503
    assert response.get_json()["migrations"]["at_head"] is False


def test_openapi_document_and_swagger_ui_are_served(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert "/api/v1/auth/tokens" in paths and "/api/v1/health" in paths
    assert client.get("/api/docs").status_code == 200
