"""Promises over HTTP: scoped lists and keep rates per collector and team."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.support import factories as f
from tests.support.api import bearer, login

MADE = datetime(2026, 3, 1, tzinfo=UTC)


def _taken(session, collector, status, due=date(2026, 3, 10)):
    case, _ = f.case_with_visit(session)
    return f.promise(session, case, "100.00", due, MADE, collector=collector, status=status)


def test_keep_rates_per_collector_and_team_count_decided_promises_only(client, session):
    team_a, team_b = f.team(session), f.team(session)
    ann, bob = f.user(session, "collector", team_a), f.user(session, "collector", team_a)
    cat = f.user(session, "collector", team_b)
    dispatcher = f.user(session, "dispatcher", team_a)
    officer = f.user(session, "compliance")
    for collector, status in ((ann, "kept"), (ann, "kept"), (ann, "broken"), (ann, "active"),
                          (bob, "broken"), (cat, "kept")):
        _taken(session, collector, status)
    _taken(session, ann, "broken", due=date(2026, 5, 1))  # outside the period asked for
    session.commit()

    url = "/api/v1/promises/stats?from=2026-03-01&to=2026-03-31"
    everyone = client.get(url, headers=bearer(login(client, officer.username))).get_json()
    mine = client.get(url, headers=bearer(login(client, dispatcher.username))).get_json()
    refused = client.get(url, headers=bearer(login(client, ann.username)))

    by_collector = {row["collector_id"]: row for row in everyone["collectors"]}
    assert (by_collector[ann.id]["kept"], by_collector[ann.id]["broken"]) == (2, 1)
    assert by_collector[ann.id]["keep_rate"] == round(2 / 3, 4)
    assert by_collector[ann.id]["active"] == 1
    by_team = {row["team_id"]: row for row in everyone["teams"]}
    assert by_team[team_a.id]["keep_rate"] == 0.5 and by_team[team_b.id]["keep_rate"] == 1.0
    assert {row["team_id"] for row in mine["teams"]} == {team_a.id}
    assert refused.status_code == 403


def test_a_collector_lists_only_the_promises_they_took(client, session):
    ann, bob = f.user(session, "collector"), f.user(session, "collector")
    own = _taken(session, ann, "active")
    _taken(session, bob, "active")
    session.commit()
    response = client.get("/api/v1/promises?status=active",
                          headers=bearer(login(client, ann.username)))
    assert [p["id"] for p in response.get_json()] == [own.id]
    assert response.get_json()[0]["amount"] == "100.00"
    bad = client.get("/api/v1/promises?status=lost", headers=bearer(login(client, ann.username)))
    assert bad.status_code == 422
