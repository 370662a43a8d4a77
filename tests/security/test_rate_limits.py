"""Rate limits: log-ins per IP and per username, API calls per token; 429 JSON with Retry-After."""

from __future__ import annotations

import pytest

from server.extensions import db
from tests.conftest import build_app
from tests.support import factories as f
from tests.support.api import bearer, login


@pytest.fixture
def limited(app, tmp_path):
    """A second app on the same database, with small limits switched on."""
    limited_app = build_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                            RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_IP="3 per minute",
                            RATELIMIT_LOGIN_USERNAME="2 per minute", RATELIMIT_API="4 per minute")
    yield limited_app.test_client()
    with limited_app.app_context():
        db.engine.dispose()


def _log_in(client, username, ip):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": "nope"},
                       environ_base={"REMOTE_ADDR": ip})


def _assert_429(response):
    assert response.status_code == 429
    body = response.get_json()
    assert body["code"] == 429 and "too many requests" in body["message"]
    assert int(response.headers["Retry-After"]) > 0


def test_logins_from_one_address_are_limited_whatever_the_username(limited):
    answers = [_log_in(limited, f"user{i}", "10.0.0.1").status_code for i in range(3)]
    assert answers == [401, 401, 401]
    _assert_429(_log_in(limited, "user9", "10.0.0.1"))
    assert _log_in(limited, "user9", "10.0.0.2").status_code == 401


def test_logins_naming_one_username_are_limited_per_address_never_for_everyone(limited):
    assert [_log_in(limited, "Victim", "10.0.1.1").status_code for _ in (1, 2)] == [401, 401]
    _assert_429(_log_in(limited, "victim", "10.0.1.1"))
    assert _log_in(limited, "victim", "10.0.1.2").status_code == 401  # the owner's desk


def test_api_calls_are_limited_per_token(app, limited):
    with app.app_context():
        users = [f.user(db.session, "admin") for _ in range(2)]
        db.session.commit()
        names = [u.username for u in users]
    first, second = (bearer(login(limited, name)) for name in names)
    assert [limited.get("/api/v1/users/me", headers=first).status_code
            for _ in range(4)] == [200] * 4
    _assert_429(limited.get("/api/v1/users/me", headers=first))
    assert limited.get("/api/v1/users/me", headers=second).status_code == 200


def test_rate_limit_headers_say_nothing_about_retrying_an_answer_that_succeeded(limited):
    response = limited.get("/api/v1/health/live")
    assert "Retry-After" not in response.headers
    assert "X-RateLimit-Limit" in response.headers
