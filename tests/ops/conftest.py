"""An app with /metrics switched on (and a token), on the same database as the `app` fixture."""

from __future__ import annotations

import pytest

from server.extensions import db
from tests.conftest import build_app

METRICS_TOKEN = "scrape-me"


@pytest.fixture(scope="module")
def metrics_app(app, tmp_path_factory):
    """A second app on the backend's database, with metrics enabled behind a bearer token."""
    application = build_app(app.config["SQLALCHEMY_DATABASE_URI"],
                            str(tmp_path_factory.mktemp("metrics-instance")),
                            METRICS_ENABLED=True, METRICS_TOKEN=METRICS_TOKEN, METRICS_CACHE_S=0)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def metrics_client(metrics_app):
    return metrics_app.test_client()


def scrape(client) -> str:
    """The /metrics text, fetched with the token."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)
