"""One JSON log line per request (route, status, duration, request id, user) and ids on all."""

from __future__ import annotations

import io
import json
import logging

import pytest

from server import create_app
from server.logging_setup import GunicornAccessFormatter, JsonFormatter
from tests.support import factories
from tests.support.api import bearer, login


@pytest.fixture
def doorstep_logger():
    """The 'doorstep' logger as it was, restored after a test that reconfigures it."""
    logger = logging.getLogger("doorstep")
    saved = logger.handlers[:], logger.level, logger.propagate
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.fixture
def json_app(tmp_path, doorstep_logger):
    """An app with LOG_JSON on, its log lines going to a buffer, and two probe routes."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_DIR": str(tmp_path),
                      "LOG_JSON": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})

    @app.get("/probe/<int:n>")
    def probe(n):
        logging.getLogger("doorstep.probe").warning("working on it")
        return {"n": n}

    @app.get("/crash")
    def crash():
        raise RuntimeError("kaboom")

    buffer = io.StringIO()
    doorstep_logger.handlers[0].setStream(buffer)
    app.log_buffer = buffer
    return app


def _lines(app) -> list[dict]:
    return [json.loads(line) for line in app.log_buffer.getvalue().splitlines()]


def test_every_line_logged_during_a_request_carries_its_request_id(json_app):
    response = json_app.test_client().get("/probe/7", headers={"X-Request-Id": "req-abc.1"})
    assert response.headers["X-Request-Id"] == "req-abc.1"
    probe, request_line = _lines(json_app)
    assert probe["message"] == "working on it" and probe["request_id"] == "req-abc.1"
    assert request_line["logger"] == "doorstep.request"
    assert request_line["request_id"] == "req-abc.1"
    assert {k: request_line[k] for k in ("method", "route", "status")} == {
        "method": "GET", "route": "/probe/<int:n>", "status": 200}
    assert isinstance(request_line["duration_ms"], float)


def test_an_unhandled_error_is_one_json_line_with_its_stack_trace(json_app):
    response = json_app.test_client().get("/crash")
    assert response.status_code == 500
    error, request_line = _lines(json_app)
    assert error["level"] == "ERROR" and "RuntimeError: kaboom" in error["exc"]
    assert "Traceback" in error["exc"] and error["request_id"] == request_line["request_id"]
    assert request_line["status"] == 500


def test_the_request_line_names_the_user_and_never_the_token_or_body(app, client, caplog):
    with app.app_context():
        from server.extensions import db

        username = factories.user(db.session, role="dispatcher").username
        db.session.commit()
    token = login(client, username)
    caplog.set_level(logging.INFO, logger="doorstep.request")
    response = client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "doorstep.request"]
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {"ts", "level", "logger", "message", "request_id", "method", "route",
                         "status", "duration_ms", "user_id"}
    assert line["route"] == "/api/v1/users/me" and line["status"] == 200
    assert line["user_id"] == response.get_json()["id"]
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert token not in caplog.text and username not in json.dumps(line)


def test_gunicorn_access_lines_become_json_without_query_or_client_address():
    atoms = {"m": "GET", "U": "/api/v1/health", "q": "secret=1", "s": "200", "D": 1530,
             "B": 42, "h": "10.1.2.3", "{x-request-id}o": "abc"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               "%(h)s %(r)s", (atoms,), None)
    line = json.loads(GunicornAccessFormatter().format(record))
    assert line["message"] == "GET /api/v1/health 200"
    assert {k: line[k] for k in ("method", "path", "status", "duration_ms", "request_id")} == {
        "method": "GET", "path": "/api/v1/health", "status": 200, "duration_ms": 1.5,
        "request_id": "abc"}
    assert "secret" not in json.dumps(line) and "10.1.2.3" not in json.dumps(line)
