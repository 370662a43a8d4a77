"""Fixtures for the geo tests: provider stand-ins on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.unit.geo.standin import StandIn


@pytest.fixture
def standin():
    """Start a stand-in with the given routes; stopped after the test."""
    started: list[StandIn] = []

    def start(routes, delay_s: float = 0.0) -> StandIn:
        server = StandIn(routes, delay_s=delay_s).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def no_system_proxy(monkeypatch):
    """geopy uses the environment's proxies; requests to 127.0.0.1 must not go through one."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
