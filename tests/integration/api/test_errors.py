"""Every error is JSON {code, status, message, errors?}."""

from __future__ import annotations


def test_unknown_route_is_404_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == 404 and body["status"] == "Not Found" and body["message"]


def test_wrong_method_is_405_json(client):
    response = client.put("/api/v1/health")
    assert response.status_code == 405
    assert response.get_json()["code"] == 405


def test_malformed_json_is_400_json(client):
    response = client.post("/api/v1/auth/tokens", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["message"] == "the request body is not valid JSON"


def test_missing_fields_are_422_with_field_errors(client):
    response = client.post("/api/v1/auth/tokens", json={"username": "x"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"] == {"password": ["Missing data for required field."]}


def test_unknown_fields_are_rejected_by_name(client):
    response = client.post("/api/v1/auth/tokens",
                           json={"username": "x", "password": "y", "role": "admin"})
    assert response.status_code == 422
    assert "role" in response.get_json()["errors"]


def test_oversized_body_is_413_json(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 100
    try:
        response = client.post("/api/v1/auth/tokens", data="x" * 500,
                               headers={"Content-Type": "application/json"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert response.get_json()["code"] == 413


def test_responses_carry_a_request_id(client):
    response = client.get("/api/v1/health", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    fresh = client.get("/api/v1/health")
    assert len(fresh.headers["X-Request-Id"]) == 32


def test_a_form_part_without_a_name_is_a_422_not_a_crash(app, client):
    from server.extensions import db
    from tests.support import factories
    from tests.support.api import bearer, login

    with app.app_context():
        name = factories.user(db.session, role="admin").username
        db.session.commit()
    body = (b"--XX\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"z\"\r\n\r\n1\r\n--XX--\r\n")
    response = client.post("/api/v1/imports", data=body, headers={
        **bearer(login(client, name)), "Content-Type": "multipart/form-data; boundary=XX"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["form"] == {"None": ["Unknown field."],
                                                     "z": ["Unknown field."]}
