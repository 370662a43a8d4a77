"""OWASP API4: request size, page size, gzip bombs and deep JSON are refused with a clear 4xx."""

from __future__ import annotations

import io
import json
import zlib

import pytest

from tests.integration.sync.conftest import build_world
from tests.support import factories as f
from tests.support.api import bearer, login


@pytest.fixture
def admin(client, session):
    user = f.user(session, "admin")
    session.commit()
    return bearer(login(client, user.username))


def _gzip(chunks) -> bytes:
    packer = zlib.compressobj(wbits=31)
    return b"".join(packer.compress(c) for c in chunks) + packer.flush()


def test_json_nested_deeper_than_the_limit_is_422_not_a_crash(client):
    for body in ("[" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000, "[" * 33 + "]" * 33):
        response = client.post("/api/v1/auth/tokens", data=body,
                               content_type="application/json")
        assert response.status_code == 422
        assert "nested deeper than 32" in response.get_json()["message"]


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    response = client.post("/api/v1/auth/tokens",
                           json={"username": "[{" * 20 + '\\"', "password": "x"})
    assert response.status_code == 401


def test_a_body_over_max_content_length_is_413_json(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/api/v1/visits", headers=admin, json={"note": "x" * 2048})
    assert response.status_code == 413
    assert response.get_json()["code"] == 413
    upload = client.post("/api/v1/imports", headers=admin, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"case_id\n" + b"C1\n" * 1000), "cases.csv")})
    assert upload.status_code == 413


def test_a_gzip_bomb_pushed_to_sync_is_413_without_being_inflated(app, client):
    world = build_world(app, client, per_collector=1)
    bomb = _gzip(b"\0" * (1 << 20) for _ in range(64))  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 200_000
    response = client.post("/api/v1/sync/push", data=bomb, headers={
        **world.tokens["ann"], "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "decompressed body exceeds" in response.get_json()["message"]


def test_deep_json_in_a_gzipped_push_is_422_not_a_crash(app, client):
    world = build_world(app, client, per_collector=1)
    response = client.post("/api/v1/sync/push", data=_gzip([b"[" * 100_000]), headers={
        **world.tokens["ann"], "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert response.status_code == 422


def _paginated_gets(client):
    spec = client.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        params = item.get("get", {}).get("parameters", [])
        if any(p["name"] == "page_size" for p in params):
            yield path, next(p for p in params if p["name"] == "page_size")


def test_every_paginated_view_refuses_a_page_beyond_max_page_size(app, client, admin):
    limit = app.config["MAX_PAGE_SIZE"]
    views = list(_paginated_gets(client))
    assert len(views) >= 10
    for path, param in views:
        assert param["schema"]["maximum"] <= limit, path
        response = client.get(path, headers=admin, query_string={"page_size": limit + 1})
        assert response.status_code == 422, path
        assert "page_size" in json.dumps(response.get_json()["errors"]), path


def test_a_lower_max_page_size_applies_to_every_view(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_PAGE_SIZE", 5)
    for path, _ in _paginated_gets(client):
        response = client.get(path, headers=admin, query_string={"page_size": 6})
        assert response.status_code == 422, path
        assert response.get_json()["errors"]["page_size"], path


def test_a_page_number_too_large_for_the_database_is_422_not_a_crash(client, admin):
    for page in ("100000000000000000000", "+100000000000000000000"):
        response = client.get("/api/v1/devices", headers=admin, query_string={"page": page})
        assert response.status_code == 422
        assert response.get_json()["errors"]["page"]
