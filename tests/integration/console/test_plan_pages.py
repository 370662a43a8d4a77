"""Route plans and the day's map from the console: the API's planner, scope and read audit."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.addresses.geo.gcj02 import wgs84_to_gcj02
from server.models import AuditEvent, RoutePlan, RouteStop, VisitAssignee
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.dispatch.world import planned_visit, world


def _assigned_day(session, w, n=3):
    """n visits of the team today, each assigned to both collectors (a pair)."""
    visits = []
    for i in range(n):
        visit = planned_visit(session, w, at=(31.2304 + 0.01 * i, 121.4737 + 0.01 * i))
        visit.team_id, visit.status = w.team.id, "assigned"
        for collector in w.collectors:
            session.add(VisitAssignee(visit_id=visit.id, user_id=collector.id))
        visits.append(visit)
    session.flush()
    return visits


def _plan(console, team_code):
    page = console.get(f"/console/plans?team={team_code}").get_data(as_text=True)
    return console.post("/console/plans", data={"csrf_token": csrf_of(page), "team": team_code})


def test_planning_the_team_stores_routes_and_the_page_lists_their_stops(console, session):
    w = world(session)
    visits = _assigned_day(session, w)
    session.commit()
    sign_in(console, w.dispatcher.username)

    planned = _plan(console, w.team.code)
    page = console.get(planned.headers["Location"]).get_data(as_text=True)

    assert planned.status_code == 302
    assert session.scalars(select(RoutePlan.collector_id)).all()
    assert page.count('class="plan"') >= 1
    assert all(v.id in page for v in visits)
    listed = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "route_plan.list").order_by(AuditEvent.id)).all()
    stops = set(session.scalars(select(RouteStop.visit_id)))
    assert stops and set(listed[-1]["visit_ids"]) == stops


def test_the_map_data_has_the_visits_and_the_planned_route_lines(console, session):
    w = world(session)
    visits = _assigned_day(session, w)
    session.commit()
    sign_in(console, w.dispatcher.username)
    _plan(console, w.team.code)

    data = console.get(f"/console/map/data?team={w.team.code}").get_json()

    assert sorted(v["id"] for v in data["visits"]) == sorted(v.id for v in visits)
    assert data["routes"] and all(len(r["line"]) >= 2 for r in data["routes"])
    first = next(v for v in data["visits"] if v["id"] == visits[0].id)
    assert first["pos"] == [31.2304, 121.4737]


def test_with_gcj02_tiles_the_points_are_shifted_onto_them(app, console, session, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_TILE_CRS", "gcj02")
    w = world(session)
    visits = _assigned_day(session, w, 1)
    session.commit()
    sign_in(console, w.dispatcher.username)

    data = console.get(f"/console/map/data?team={w.team.code}").get_json()

    assert data["visits"][0]["id"] == visits[0].id
    assert data["visits"][0]["pos"] == list(wgs84_to_gcj02(31.2304, 121.4737))


def test_the_map_page_names_the_tile_server_in_its_csp(app, console, session, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_TILE_URL",
                        "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    w = world(session)
    session.commit()
    sign_in(console, w.dispatcher.username)

    page = console.get("/console/map")

    assert page.status_code == 200
    assert "img-src 'self' data: https://*.tiles.example.org;" in page.headers[
        "Content-Security-Policy"]
    assert re.search(r'data-tiles="https://\{s\}.tiles.example.org', page.get_data(as_text=True))


def test_collectors_may_not_open_the_map_or_plan(console, session):
    w = world(session)
    session.commit()
    sign_in(console, w.collectors[0].username)

    assert console.get("/console/map").status_code == 403
    assert console.get("/console/map/data").status_code == 403
    assert console.get("/console/plans").status_code == 403


def test_another_agencys_team_is_not_found_on_the_map(console, session):
    w, other = world(session), world(session)
    _assigned_day(session, w, 1)
    session.commit()
    sign_in(console, other.dispatcher.username)

    assert console.get(f"/console/map/data?team={w.team.code}").status_code == 404


def test_the_map_shows_each_collectors_last_check_in_of_the_day(console, session):
    from datetime import timedelta

    from server.models import CheckIn, utcnow
    from tests.support import factories

    w = world(session)
    visits = _assigned_day(session, w, 2)
    factories.check_in(session, visits[0], w.collectors[0], utcnow() - timedelta(hours=2))
    factories.fact(session, CheckIn, utcnow() - timedelta(hours=1), w.collectors[0],
                   visit_id=visits[1].id, lat=31.3, lng=121.5)
    session.commit()
    sign_in(console, w.dispatcher.username)

    data = console.get(f"/console/map/data?team={w.team.code}").get_json()

    assert [(c["user_id"], c["pos"]) for c in data["check_ins"]] == [
        (w.collectors[0].id, [31.3, 121.5])]
