"""Liveness answers without a database; readiness says 503 when the database is away."""

from __future__ import annotations

from server import create_app


def test_liveness_is_ok_and_readiness_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI":
                          "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"})
    client = app.test_client()
    live = client.get("/api/v1/health/live")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    ready = client.get("/api/v1/health")
    assert ready.status_code == 503 and ready.get_json()["database"] == "unreachable"


def test_both_probes_are_public_and_ok_on_a_migrated_database(client):
    assert client.get("/api/v1/health/live").status_code == 200
    assert client.get("/api/v1/health").status_code == 200
