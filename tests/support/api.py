"""HTTP helpers for tests: log in through the real endpoint, send authorised requests."""

from __future__ import annotations

from tests.support.factories import PASSWORD


def login(client, username: str, password: str = PASSWORD, device_id: str | None = None) -> str:
    body = {"username": username, "password": password}
    if device_id:
        body["device_id"] = device_id
    response = client.post("/api/v1/auth/tokens", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
