"""Admins update, deactivate and re-password users, and make API-created collectors
dispatchable under the CN rules by setting their credentials, base and shift."""

from __future__ import annotations

from sqlalchemy import select

from server.models import AuditEvent, User, VisitAssignee
from tests.integration.dispatch.world import planned_visit, world
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_day

PASSWORD = "long enough pw"


def _admin(client, session):
    admin = f.user(session, "admin")
    session.commit()
    return bearer(login(client, admin.username))


def _create(client, headers, username, team):
    body = {"username": username, "password": PASSWORD, "role": "collector", "team": team.code}
    response = client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _patch(client, headers, user_id, **body):
    return client.patch(f"/api/v1/users/{user_id}", json=body, headers=headers)


def _assign(client, token, visit, assignees):
    return client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                        json={"version": 1, "assignees": assignees})


def test_a_collector_created_through_the_api_is_assignable_once_credentials_are_set(
        client, session):
    w = world(session, collectors=0)
    visit = planned_visit(session, w, on=operation_day(2))
    session.commit()
    admin = _admin(client, session)
    ids = [_create(client, admin, f"new.collector{n}", w.team) for n in (1, 2)]
    dispatcher = login(client, w.dispatcher.username)

    refused = _assign(client, dispatcher, visit, ids)
    for user_id in ids:
        response = _patch(client, admin, user_id, national_id="310101199001011234",
                          certification_no="CERT-1",
                          certification_expires_on=operation_day(300)
                          .isoformat(),
                          training_completed_on=operation_day(-10).isoformat(),
                          base_lat=31.23, base_lng=121.47, base_label="浦东办公室",
                          shift_start="08:30", shift_end="17:30", daily_capacity=6)
        assert response.status_code == 200, response.get_json()
    accepted = _assign(client, dispatcher, visit, ids)

    assert refused.status_code == 422
    assert {x["rule"] for x in refused.get_json()["errors"]["findings"]
            if x["severity"] == "block"} == {"CREDENTIALS"}
    assert accepted.status_code == 200, accepted.get_json()
    assert {a.user_id for a in session.scalars(select(VisitAssignee))} == set(ids)
    body = response.get_json()
    assert (body["shift_start"], body["shift_end"], body["daily_capacity"]) == (
        "08:30", "17:30", 6)
    assert body["id_on_file"] is True and "national_id" not in body
    assert body["base_label"] == "浦东办公室"


def test_updates_are_audited_without_the_id_number(client, session):
    w = world(session, collectors=1)
    collector = w.collectors[0]
    admin = _admin(client, session)

    _patch(client, admin, collector.id, national_id="110101199001019999", daily_capacity=3)

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.object_id == collector.id
    assert event.detail["changed"]["daily_capacity"] == 8
    assert event.detail["now"] == {"daily_capacity": 3, "national_id": "***"}
    assert "110101199001019999" not in str(event.detail)


def test_deactivation_ends_tokens_and_logins_but_not_while_visits_are_open(client, session):
    w = world(session, collectors=2)
    busy, idle = w.collectors
    visit = planned_visit(session, w)
    session.add(VisitAssignee(visit_id=visit.id, user_id=busy.id))
    session.commit()
    admin = _admin(client, session)
    token = login(client, idle.username)

    refused = _patch(client, admin, busy.id, active=False)
    done = _patch(client, admin, idle.id, active=False)

    assert refused.status_code == 409 and refused.get_json()["errors"]["visit_ids"] == [
        visit.id]
    assert done.status_code == 200 and done.get_json()["active"] is False
    assert client.get("/api/v1/users/me", headers=bearer(token)).status_code == 401
    again = client.post("/api/v1/auth/tokens",
                        json={"username": idle.username, "password": f.PASSWORD})
    assert again.status_code == 401


def test_a_password_reset_replaces_the_password_and_ends_old_tokens(client, session):
    w = world(session, collectors=1)
    collector = w.collectors[0]
    admin = _admin(client, session)
    old_token = login(client, collector.username)

    short = client.put(f"/api/v1/users/{collector.id}/password", json={"password": "short"},
                       headers=admin)
    response = client.put(f"/api/v1/users/{collector.id}/password",
                          json={"password": "a brand new secret"}, headers=admin)

    assert short.status_code == 422 and "password" in short.get_json()["errors"]
    assert response.status_code == 200
    assert client.get("/api/v1/users/me", headers=bearer(old_token)).status_code == 401
    assert login(client, collector.username, "a brand new secret")
    stale = client.post("/api/v1/auth/tokens",
                        json={"username": collector.username, "password": f.PASSWORD})
    assert stale.status_code == 401
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.password_reset"))
    assert event.object_id == collector.id and "secret" not in str(event.detail)


def test_bad_changes_are_4xx_naming_the_field(client, session):
    w = world(session, collectors=1)
    other = world(session, collectors=0)
    collector = w.collectors[0]
    admin = _admin(client, session)

    cases = [({"shift_start": "25:00"}, 422, "shift_start"),
             ({"shift_start": "18:00", "shift_end": "09:00"}, 422, "shift_end"),
             ({"base_lat": 123.0}, 422, "base_lat"),
             ({"team": "NOPE"}, 422, "team"),
             ({"team": other.team.code, "agency": w.agency.code}, 422, "team"),
             ({"agency": other.agency.code}, 422, "agency"),
             ({}, 422, "_schema")]
    for body, status, field in cases:
        response = _patch(client, admin, collector.id, **body)
        assert response.status_code == status, (body, response.get_json())
        assert field in str(response.get_json()["errors"]), (body, response.get_json())
    assert _patch(client, admin, "nobody", display_name="x").status_code == 404
    moved = _patch(client, admin, collector.id, team=other.team.code)
    assert moved.status_code == 200
    assert session.get(User, collector.id).agency_id == other.agency.id


def test_only_admins_change_users_and_dispatchers_read_only_their_agencys(client, session):
    w = world(session, collectors=1)
    other = world(session, collectors=1)
    session.commit()
    dispatcher = bearer(login(client, w.dispatcher.username))

    assert _patch(client, dispatcher, w.collectors[0].id, display_name="x").status_code == 403
    own = client.get(f"/api/v1/users/{w.collectors[0].id}", headers=dispatcher)
    foreign = client.get(f"/api/v1/users/{other.collectors[0].id}", headers=dispatcher)
    assert own.status_code == 200 and foreign.status_code == 404
