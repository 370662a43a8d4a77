"""Dispatchers plan visits for their agency's cases; collectors see only their own visits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.models import AuditEvent, Visit
from tests.integration.dispatch.world import placed_case, planned_visit, world
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today

TOMORROW = (operation_today() + timedelta(days=1)).isoformat()


def _plan(case, address, **kw):
    return {"case_id": case.id, "address_id": address.id, "scheduled_on": TOMORROW, **kw}


def test_a_dispatcher_creates_one_visit_and_gets_it_back(client, session):
    w = world(session)
    case, address = placed_case(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    created = client.post("/api/v1/visits", headers=bearer(token),
                          json=_plan(case, address, purpose="first visit", priority=3))
    fetched = client.get(f"/api/v1/visits/{created.get_json()['id']}", headers=bearer(token))

    assert created.status_code == 201, created.get_json()
    body = fetched.get_json()
    assert body["status"] == "planned" and body["purpose"] == "first visit"
    assert body["priority"] == 3 and body["version"] == 1 and body["assignees"] == []


def test_a_list_of_visits_is_created_all_together(client, session):
    w = world(session)
    plans = [_plan(*placed_case(session, w)) for _ in range(3)]
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.post("/api/v1/visits", headers=bearer(token), json={"visits": plans})

    assert response.status_code == 201
    assert len(response.get_json()["visits"]) == 3
    assert session.scalar(select(Visit.id).where(Visit.case_id == plans[2]["case_id"]))


def test_a_bad_plan_in_a_list_creates_nothing(client, session):
    w = world(session)
    good = _plan(*placed_case(session, w))
    other_case, _ = placed_case(session, w)
    _, stranger_address = placed_case(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.post("/api/v1/visits", headers=bearer(token), json={"visits": [
        good, _plan(other_case, stranger_address)]})

    assert response.status_code == 422
    assert "visits.1.address_id" in response.get_json()["errors"]
    assert session.scalar(select(Visit.id)) is None


def test_an_unknown_case_is_not_found_and_bad_fields_are_named(client, session):
    w = world(session)
    case, address = placed_case(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    unknown = client.post("/api/v1/visits", headers=bearer(token),
                          json=_plan(case, address, case_id="nope"))
    invalid = client.post("/api/v1/visits", headers=bearer(token),
                          json={"case_id": case.id, "scheduled_on": "someday"})
    half_window = client.post("/api/v1/visits", headers=bearer(token), json=_plan(
        case, address, window_start="2030-01-01T10:00:00+08:00"))

    assert unknown.status_code == 404
    assert invalid.status_code == 422
    assert set(invalid.get_json()["errors"]) == {"address_id", "scheduled_on"}
    assert half_window.status_code == 422 and "window_end" in half_window.get_json()["errors"]


def test_a_case_not_placed_with_the_dispatchers_agency_is_not_found(client, session):
    w = world(session)
    case, address = placed_case(session, w, placed=False)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.post("/api/v1/visits", headers=bearer(token), json=_plan(case, address))

    assert response.status_code == 404


def test_collectors_may_not_plan_visits(client, session):
    w = world(session)
    case, address = placed_case(session, w)
    session.commit()
    token = login(client, w.collectors[0].username)

    response = client.post("/api/v1/visits", headers=bearer(token), json=_plan(case, address))

    assert response.status_code == 403


def test_a_collector_sees_only_their_own_visits(client, session):
    w = world(session)
    mine = planned_visit(session, w)
    theirs = planned_visit(session, w)
    session.commit()
    dispatcher = login(client, w.dispatcher.username)
    for visit, collectors in ((mine, w.collectors), (theirs, [])):
        if collectors:
            client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(dispatcher),
                         json={"version": 1, "assignees": [a.id for a in collectors]})
    token = login(client, w.collectors[0].username)

    listed = client.get("/api/v1/visits", headers=bearer(token))
    own = client.get(f"/api/v1/visits/{mine.id}", headers=bearer(token))
    other = client.get(f"/api/v1/visits/{theirs.id}", headers=bearer(token))

    assert [v["id"] for v in listed.get_json()] == [mine.id]
    assert own.status_code == 200
    assert other.status_code == 404


def test_dispatchers_list_only_their_agencys_placed_cases_with_filters(client, session):
    w, rival = world(session), world(session)
    ours = planned_visit(session, w)
    planned_visit(session, w, on=operation_today() + timedelta(days=3))
    planned_visit(session, rival)
    officer = f.user(session, "compliance")
    session.commit()

    ours_today = client.get(f"/api/v1/visits?date={operation_today()}&status=planned",
                            headers=bearer(login(client, w.dispatcher.username)))
    everything = client.get("/api/v1/visits", headers=bearer(login(client, officer.username)))

    assert [v["id"] for v in ours_today.get_json()] == [ours.id]
    assert len(everything.get_json()) == 3
    assert ours_today.headers["X-Pagination"]


def test_a_visit_is_rescheduled_then_cancelled_with_versions(client, session):
    w = world(session)
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)
    new_day = (operation_today() + timedelta(days=5)).isoformat()

    moved = client.patch(f"/api/v1/visits/{visit.id}", headers={**bearer(token), "If-Match": '"1"'},
                         json={"scheduled_on": new_day,
                               "window_start": f"{new_day}T02:00:00+00:00",
                               "window_end": f"{new_day}T04:00:00+00:00"})
    stale = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                         json={"version": 1, "status": "cancelled", "cancel_reason": "paid"})
    cancelled = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                             json={"version": 2, "status": "cancelled", "cancel_reason": "paid"})
    no_reason = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                             json={"version": 3, "status": "cancelled"})

    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["scheduled_on"] == new_day and moved.get_json()["version"] == 2
    assert stale.status_code == 409
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "paid"
    assert no_reason.status_code == 422 and "cancel_reason" in no_reason.get_json()["errors"]
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"visit.reschedule", "visit.cancel"} <= actions


def test_a_patch_without_a_version_is_refused(client, session):
    w = world(session)
    visit = planned_visit(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                            json={"scheduled_on": TOMORROW})

    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]
