"""Every read of a debtor's personal data by a person is in the audit trail (COMPLIANCE.md).

Single reads write one `<type>.read` event; lists that show debtors' addresses, visits or
their home coordinates (GET /visits, /addresses, /route-plans) write one `<type>.list` event
per answer naming the ids on the page, not one per row, at a cost that does not grow with it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from server.audit.service import verify
from server.extensions import db
from server.models import AuditEvent, RoutePlan, RouteStop, User, Visit, VisitAssignee
from tests.security import world as seed
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today


@pytest.fixture
def seeded(app):
    with app.app_context():
        w = seed.build(app, db.session)
        db.session.commit()
    return w


def _reads(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_dispatcher_reading_a_visit_is_audited(app, client, seeded):
    headers = bearer(login(client, seeded.users["dora"]))
    visit = seeded.own.ids["visit_id"]
    assert client.get(f"/api/v1/visits/{visit}", headers=headers).status_code == 200
    [event] = _reads(app, "visit.read")
    assert (event.actor_id, event.object_type, event.object_id) == (
        seeded.user_ids["dora"], "visit", visit)
    with app.app_context():
        assert verify(db.session)[1] is None


def test_a_collector_reading_an_address_is_audited(app, client, seeded):
    headers = bearer(login(client, seeded.users["ann"]))
    address = seeded.own.ids["address_id"]
    assert client.get(f"/api/v1/addresses/{address}", headers=headers).status_code == 200
    [event] = _reads(app, "address.read")
    assert (event.actor_id, event.object_id) == (seeded.user_ids["ann"], address)


def test_a_refused_read_records_nothing(app, client, seeded):
    headers = bearer(login(client, seeded.users["ann"]))
    visit = seeded.foreign.ids["visit_id"]
    assert client.get(f"/api/v1/visits/{visit}", headers=headers).status_code == 404
    assert _reads(app, "visit.read") == []


def test_a_pull_is_one_event_counting_what_was_sent_and_an_empty_pull_none(app, client,
                                                                             seeded):
    device = seeded.own.ids["device_id"]
    headers = {**bearer(login(client, seeded.users["ann"], device_id=device)),
               "X-Device-Id": device}
    first = client.get("/api/v1/sync/pull", headers=headers,
                       query_string={"last_pulled_at": "", "schema_version": 1})
    assert first.status_code == 200
    [event] = _reads(app, "sync.pull")
    assert (event.actor_id, event.object_type, event.object_id) == (
        seeded.user_ids["ann"], "device", device)
    assert event.detail["sent"]["parties"] == 2  # the debtor and the reference
    assert event.detail["sent"]["addresses"] == 1
    again = client.get("/api/v1/sync/pull", headers=headers, query_string={
        "last_pulled_at": first.get_json()["timestamp"], "schema_version": 1})
    assert again.status_code == 200
    assert len(_reads(app, "sync.pull")) == 1


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def test_a_dispatcher_listing_visits_is_one_event_naming_the_ids_shown(app, client, seeded):
    headers = bearer(login(client, seeded.users["dora"]))
    shown = _ids(client.get("/api/v1/visits", headers=headers,
                            query_string={"date": operation_today().isoformat()}))
    assert sorted(shown) == sorted([seeded.own.ids["visit_id"], seeded.peer.ids["visit_id"]])
    [event_] = _reads(app, "visit.list")
    assert (event_.actor_id, event_.object_type, event_.object_id) == (
        seeded.user_ids["dora"], "visit", None)
    assert event_.detail["ids"] == shown and event_.detail["count"] == 2
    assert event_.detail["filters"] == {"date": operation_today().isoformat(), "page": 1}
    assert _reads(app, "visit.read") == []  # not one event per row
    with app.app_context():
        assert verify(db.session)[1] is None


def test_a_collector_listing_visits_names_only_their_own(app, client, seeded):
    headers = bearer(login(client, seeded.users["ann"]))
    shown = _ids(client.get("/api/v1/visits", headers=headers))
    assert shown == [seeded.own.ids["visit_id"]]
    [event_] = _reads(app, "visit.list")
    assert (event_.actor_id, event_.detail["ids"]) == (seeded.user_ids["ann"], shown)


def test_listing_addresses_is_audited_page_by_page(app, client, seeded):
    headers = bearer(login(client, seeded.users["cora"]))
    first = _ids(client.get("/api/v1/addresses", headers=headers,
                            query_string={"page_size": 2}))
    second = _ids(client.get("/api/v1/addresses", headers=headers,
                             query_string={"page_size": 2, "page": 2}))
    assert len(first) == 2 and len(second) == 1  # compliance sees both agencies' three debtors
    events = sorted(_reads(app, "address.list"), key=lambda e: e.id)
    assert [e.detail["ids"] for e in events] == [first, second]
    assert [e.detail["filters"]["page"] for e in events] == [1, 2]
    assert all(e.actor_id == seeded.user_ids["cora"] for e in events)


def test_listing_route_plans_names_the_plans_and_the_visits_of_their_stops(app, client,
                                                                            seeded):
    with app.app_context():
        s = db.session
        visit = s.get(Visit, seeded.own.ids["visit_id"])
        plan = s.scalar(select(RoutePlan).where(RoutePlan.collector_id == seeded.user_ids["ann"]))
        s.add(RouteStop(plan_id=plan.id, visit_id=visit.id, collector_id=plan.collector_id,
                        position=0, eta=seed.NOW, service_start=seed.NOW))
        s.commit()
        plan_id = plan.id
    headers = bearer(login(client, seeded.users["dora"]))
    shown = _ids(client.get("/api/v1/route-plans", headers=headers,
                            query_string={"date": operation_today().isoformat()}))
    assert plan_id in shown and len(shown) == 2  # ann's and pete's, not agency B's
    [event_] = _reads(app, "route_plan.list")
    assert event_.detail["ids"] == shown
    assert event_.detail["visit_ids"] == [seeded.own.ids["visit_id"]]


def test_an_empty_or_refused_list_records_nothing(app, client, seeded):
    dora = bearer(login(client, seeded.users["dora"]))
    assert _ids(client.get("/api/v1/visits", headers=dora,
                           query_string={"status": "cancelled"})) == []
    assert _ids(client.get("/api/v1/addresses", headers=dora,
                           query_string={"state": "failed"})) == []
    ann = bearer(login(client, seeded.users["ann"]))
    assert client.get("/api/v1/addresses", headers=ann).status_code == 403
    for action in ("visit.list", "address.list"):
        assert _reads(app, action) == []


def _statements(app, client, headers, path) -> tuple[int, int]:
    """(rows listed, SQL statements the request ran)."""
    count = [0]

    def counting(*args):
        count[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counting)
    try:
        listed = len(_ids(client.get(path, headers=headers, query_string={"page_size": 50})))
    finally:
        event.remove(engine, "before_cursor_execute", counting)
    return listed, count[0]


def test_the_cost_of_an_audited_list_does_not_grow_with_the_page(app, client, seeded):
    headers = bearer(login(client, seeded.users["cora"]))
    few = {path: _statements(app, client, headers, path)
           for path in ("/api/v1/visits", "/api/v1/addresses")}
    with app.app_context():  # ten more visits (and addresses) with collectors
        s = db.session
        collector = s.get(VisitAssignee, s.scalar(select(VisitAssignee.id).limit(1))).user_id
        team = f.team(s)
        for _ in range(10):
            f.case_with_visit(s, collectors=[s.get(User, collector)], team_row=team)
        s.commit()
    many = {path: _statements(app, client, headers, path) for path in few}
    for path in few:
        assert many[path][0] >= few[path][0] + 10, path
        assert many[path][1] == few[path][1], (path, few[path], many[path])
    assert len(_reads(app, "visit.list")) == 2 and len(_reads(app, "address.list")) == 2
