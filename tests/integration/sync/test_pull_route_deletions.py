"""A route stop deleted by re-planning reaches the devices of the plan's collector only."""

from __future__ import annotations

from server.extensions import db
from server.models import RoutePlan, RouteStop, utcnow
from server.routing import store
from tests.integration.sync.conftest import ids, pull
from tests.support.clock import operation_today


def _plan(session, collector_id: str, visit_ids: list[str]) -> tuple[str, list[str]]:
    plan = RoutePlan(collector_id=collector_id, plan_date=operation_today())
    session.add(plan)
    session.flush()
    stops = [RouteStop(plan_id=plan.id, visit_id=visit_id, collector_id=collector_id, position=n,
                       eta=utcnow(), service_start=utcnow())
             for n, visit_id in enumerate(visit_ids)]
    session.add_all(stops)
    session.flush()
    return plan.id, [stop.id for stop in stops]


def test_replanned_stops_are_deleted_on_their_collectors_phone_and_nobody_elses(app, client,
                                                                             world):
    with app.app_context():
        ann_plan, ann_stops = _plan(db.session, world.collectors["ann"], world.visits["ann"])
        _, bob_stops = _plan(db.session, world.collectors["bob"], world.visits["bob"])
        db.session.commit()
    ann, bob = (pull(client, world.tokens[name]) for name in ("ann", "bob"))
    assert ids(ann, "route_stops") == set(ann_stops)
    assert ids(bob, "route_stops") == set(bob_stops)

    with app.app_context():
        store._drop_stops(db.session, [ann_plan])  # what re-planning ann's day does first
        db.session.commit()

    ann_next = pull(client, world.tokens["ann"], ann["timestamp"])
    bob_next = pull(client, world.tokens["bob"], bob["timestamp"])
    assert sorted(ann_next["changes"]["route_stops"]["deleted"]) == sorted(ann_stops)
    assert bob_next["changes"]["route_stops"]["deleted"] == []  # never held, never told
