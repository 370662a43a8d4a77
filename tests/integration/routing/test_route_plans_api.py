"""HTTP: dispatchers plan and read a day, collectors read their own route (and GeoJSON)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.routing.day import (
    DAY,
    SQUARE,
    assert_every_stop_is_legal_and_in_shift,
    near,
    team_day,
    visit,
)
from tests.support import factories as f
from tests.support.api import bearer, login


@pytest.fixture
def day(app, session, monkeypatch):
    """A team of two with three visits, committed; small deterministic solver budget."""
    monkeypatch.setitem(app.config, "ROUTING_MAX_ITERATIONS", 100)
    t = team_day(session, collectors=2)
    li, wang = t.collectors
    visits = [visit(session, t, [li], at=near(600, 0)), visit(session, t, [li], at=near(0, 800)),
              visit(session, t, [wang], at=near(-700, 0))]
    stranger = f.user(session, "dispatcher", f.team(session))
    auditor = f.user(session, "compliance")
    session.commit()
    return t, visits, stranger, auditor


def as_(client, user):
    return bearer(login(client, user.username))


def plan_team(client, t):
    return client.post("/api/v1/route-plans", json={"date": DAY.isoformat(), "team": t.team.code},
                       headers=as_(client, t.dispatcher))


def test_a_dispatcher_plans_some_collectors_and_gets_the_plans_back(client, session, day):
    t, visits, _, _ = day

    response = client.post("/api/v1/route-plans", headers=as_(client, t.dispatcher),
                           json={"date": DAY.isoformat(), "collectors": [a.id
                                                                         for a in t.collectors]})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    by_collector = {p["collector_id"]: p for p in body["plans"]}
    assert set(by_collector) == {a.id for a in t.collectors}
    li = by_collector[t.collectors[0].id]
    assert {s["visit_id"] for s in li["stops"]} == {visits[0].id, visits[1].id}
    assert [s["position"] for s in li["stops"]] == [1, 2]
    first = li["stops"][0]
    assert first["eta"].endswith("+00:00") and first["window_start"] and first["leg_distance_m"]
    assert li["dropped"] == [] and li["geojson"]["type"] == "FeatureCollection"
    assert li["created_by"] == t.dispatcher.id
    assert assert_every_stop_is_legal_and_in_shift(session) == 3


def test_a_team_day_is_answered_at_once_with_a_run_that_tells_how_far_it_got(client, session,
                                                                            day):
    t, visits, stranger, _ = day
    headers = as_(client, t.dispatcher)

    response = plan_team(client, t)

    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert queued["status"] == "queued" and queued["vehicles_done"] == 0
    assert queued["team_id"] == t.team.id and queued["plan_date"] == DAY.isoformat()
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/route-plans/runs/{queued['id']}")
    run = client.get(location, headers=headers).get_json()  # planned after the answer
    assert run["status"] == "completed" and run["vehicles_done"] == run["vehicles_total"] == 2
    assert run["report"] == {"plans": 2, "routes": 2, "dropped": 0, "mandatory_dropped": 0,
                             "fallback_plans": 0,
                             "options": {"two_person": "meet", "tolerance_s": 600}}
    plans = client.get(f"/api/v1/route-plans?date={DAY}", headers=headers).get_json()
    assert {s["visit_id"] for p in plans for s in p["stops"]} == {v.id for v in visits}
    assert client.get(location, headers=as_(client, stranger)).status_code == 404
    assert assert_every_stop_is_legal_and_in_shift(session) == 3


def test_plans_of_a_day_are_listed_for_dispatchers_and_compliance(client, day):
    t, _, stranger, auditor = day
    plan_team(client, t)

    mine = client.get(f"/api/v1/route-plans?date={DAY}", headers=as_(client, t.dispatcher))
    one = client.get(f"/api/v1/route-plans?date={DAY}&collector={t.collectors[1].username}",
                     headers=as_(client, auditor))
    theirs = client.get(f"/api/v1/route-plans?date={DAY}", headers=as_(client, stranger))

    assert len(mine.get_json()) == 2
    assert [p["collector_id"] for p in one.get_json()] == [t.collectors[1].id]
    assert theirs.status_code == 200 and theirs.get_json() == []


def test_a_dispatcher_of_another_agency_cannot_plan_this_team_or_its_collectors(client, day):
    t, _, stranger, _ = day
    headers = as_(client, stranger)

    by_team = client.post("/api/v1/route-plans", json={"date": str(DAY), "team": t.team.code},
                          headers=headers)
    by_collector = client.post("/api/v1/route-plans",
                           json={"date": str(DAY), "collectors": [t.collectors[0].id]},
                           headers=headers)

    assert by_team.status_code == 404 and by_collector.status_code == 404


def test_collectors_may_not_plan_or_list_plans(client, day):
    t, *_ = day
    headers = as_(client, t.collectors[0])

    assert client.post("/api/v1/route-plans", json={"date": str(DAY), "team": t.team.code},
                       headers=headers).status_code == 403
    assert client.get(f"/api/v1/route-plans?date={DAY}", headers=headers).status_code == 403


def test_a_request_naming_both_a_team_and_collectors_is_refused(client, day):
    t, *_ = day
    headers = as_(client, t.dispatcher)

    both = client.post("/api/v1/route-plans", headers=headers,
                       json={"date": str(DAY), "team": t.team.code,
                             "collectors": [t.collectors[0].id]})
    no_date = client.post("/api/v1/route-plans", json={"team": t.team.code}, headers=headers)

    assert both.status_code == 422 and "team" in both.get_json()["errors"]
    assert no_date.status_code == 422 and "date" in no_date.get_json()["errors"]


def test_a_collector_sees_only_their_own_route(client, day):
    t, visits, _, _ = day
    plan_team(client, t)

    response = client.get(f"/api/v1/me/route?date={DAY}", headers=as_(client, t.collectors[1]))

    assert response.status_code == 200
    body = response.get_json()
    assert body["collector_id"] == t.collectors[1].id
    assert [s["visit_id"] for s in body["stops"]] == [visits[2].id]


def test_a_collector_without_a_plan_gets_404(client, day):
    t, *_ = day

    response = client.get(f"/api/v1/me/route?date={DAY}", headers=as_(client, t.collectors[0]))

    assert response.status_code == 404 and "no route" in response.get_json()["message"]


def test_the_route_as_geojson_is_an_rfc7946_feature_collection_in_lng_lat_order(client, day):
    t, visits, _, _ = day
    plan_team(client, t)

    response = client.get(f"/api/v1/me/route?date={DAY}&format=geojson",
                          headers=as_(client, t.collectors[0]))

    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    fc = response.get_json(force=True)
    assert fc["type"] == "FeatureCollection"
    points = [x for x in fc["features"] if x["geometry"]["type"] == "Point"]
    (line,) = [x for x in fc["features"] if x["geometry"]["type"] == "LineString"]
    assert [p["properties"]["position"] for p in points] == [1, 2]
    where = {v.id: near(600, 0) if v is visits[0] else near(0, 800) for v in visits[:2]}
    for p in points:
        lat, lng = where[p["properties"]["visit_id"]]
        assert p["geometry"]["coordinates"] == [lng, lat]
        assert p["properties"]["eta"] and len(p["properties"]["window"]) == 2
    base = [SQUARE[1], SQUARE[0]]
    coords = line["geometry"]["coordinates"]
    assert coords[0] == base and coords[-1] == base and len(coords) == 4
    assert coords[1:3] == [p["geometry"]["coordinates"] for p in points]
    assert all(-180 <= lng <= 180 and -90 <= lat <= 90 for lng, lat in coords)


def test_reassigning_a_visit_over_http_replans_both_collectors(client, session, day):
    t, visits, _, _ = day
    li, wang = t.collectors
    wang.national_id, wang.certification_no = "310101199001011234", "CERT-1"
    wang.certification_expires_on = DAY + timedelta(days=365)
    wang.training_completed_on = DAY - timedelta(days=30)
    session.commit()
    assert plan_team(client, t).status_code == 202
    headers = as_(client, t.dispatcher)
    moving = client.get(f"/api/v1/visits/{visits[0].id}", headers=headers).get_json()

    response = client.patch(f"/api/v1/visits/{visits[0].id}", headers=headers, json={
        "version": moving["version"], "assignees": [wang.id],
        "overrides": {"TWO_PERSON": "second collector joins on site (test)"}})

    assert response.status_code == 200, response.get_json()
    plans = client.get(f"/api/v1/route-plans?date={DAY.isoformat()}&page_size=50",
                       headers=headers).get_json()
    stops = {p["collector_id"]: {s["visit_id"] for s in p["stops"]} for p in plans}
    assert visits[0].id in stops[wang.id] and visits[0].id not in stops[li.id]
    assert assert_every_stop_is_legal_and_in_shift(session) == 3


@pytest.mark.parametrize(("choice", "partnered"), [(None, False), ("ride_together", True)])
def test_two_person_visits_are_met_by_default_and_riding_together_is_a_choice(
        client, session, day, choice, partnered):
    t, _, _, _ = day
    li, wang = t.collectors
    shared = visit(session, t, [li, wang], at=near(300, 300))
    session.commit()
    body = {"date": DAY.isoformat(), "collectors": [li.id]} | (
        {"two_person": choice} if choice else {})

    response = client.post("/api/v1/route-plans", json=body, headers=as_(client, t.dispatcher))

    assert response.status_code == 201, response.get_json()
    plans = {p["collector_id"]: p for p in response.get_json()["plans"]}
    starts = [next(s["service_start"] for s in plans[a.id]["stops"] if s["visit_id"] == shared.id)
              for a in (li, wang)]
    assert (plans[li.id]["partner_id"] == wang.id) is partnered
    assert plans[li.id]["solver"]["two_person"] == (choice or "meet")
    assert all(starts)
    assert assert_every_stop_is_legal_and_in_shift(session) == 5
