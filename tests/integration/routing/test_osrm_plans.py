"""Plans over a (fake, local) OSRM: batched tables, and straight-line fallbacks the dispatcher
sees on the plan and operations see in a metric."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from server.observability.http import METRICS_KEY
from tests.integration.routing.day import DAY, near, team_day, visit
from tests.support.api import bearer, login
from tests.unit.routing.test_osrm import FakeOsrm


@pytest.fixture
def osrm(app, monkeypatch):
    FakeOsrm.requests_seen = []
    FakeOsrm.fail = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    for key, value in {"ROUTING_MATRIX": "osrm", "OSRM_MAX_TABLE_SIZE": 3,
                       "OSRM_URL": f"http://127.0.0.1:{server.server_address[1]}",
                       "ROUTING_MAX_ITERATIONS": 100}.items():
        monkeypatch.setitem(app.config, key, value)
    yield FakeOsrm
    server.shutdown()
    server.server_close()
    thread.join()


def _fallbacks(app) -> float:
    return app.extensions[METRICS_KEY].routing_fallbacks._value.get()


def _plan(client, session, collectors=1, visits=4):
    t = team_day(session, collectors=collectors)
    for i in range(visits):
        visit(session, t, t.collectors, at=near(500 * i, 200))
    session.commit()
    headers = bearer(login(client, t.dispatcher.username))
    response = client.post("/api/v1/route-plans", headers=headers,
                           json={"date": DAY.isoformat(), "collectors": [t.collectors[0].id]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["plans"]


def test_road_tables_are_fetched_in_batches_of_the_configured_size(app, client, session, osrm):
    before = _fallbacks(app)

    (plan,) = _plan(client, session)

    # base + 4 visits = 5 points, blocks of 3 sources x 3 destinations: 2 x 2 requests
    assert len(osrm.requests_seen) == 4
    for url in osrm.requests_seen:
        query = parse_qs(url.query)
        assert len(query["sources"][0].split(";")) <= 3
        assert len(query["destinations"][0].split(";")) <= 3
    assert plan["solver"]["matrix_fallback"] is False
    assert plan["solver"]["matrix_fallback_pairs"] == 0
    assert _fallbacks(app) == before


def test_an_osrm_outage_is_flagged_on_the_plan_and_counted(app, client, session, osrm):
    osrm.fail = True
    before = _fallbacks(app)

    (plan,) = _plan(client, session)

    assert len(plan["stops"]) == 4  # still planned, on straight-line estimates
    assert plan["solver"]["matrix_fallback"] is True
    assert plan["solver"]["matrix_fallback_pairs"] == 25
    assert _fallbacks(app) == before + 1
