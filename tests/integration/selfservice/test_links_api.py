"""/api/v1/cases/<id>/self-service-links: staff issue, list and revoke links; a revoked link
ends the debtor's open session at once; issuing with `send` queues the SMS in the outbox."""

from __future__ import annotations

from sqlalchemy import select

from server.models import AuditEvent, OutboxMessage
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.messaging import debtor_case
from tests.support.selfservice import prove, recorder


def _world(session):
    agency = f.agency(session)
    team = f.team(session, agency)
    dispatcher = f.user(session, "dispatcher", team)
    collector = f.user(session, "collector", team)
    case = debtor_case(session, collectors=(collector,))
    foreign = debtor_case(session, collectors=(f.user(session, "collector", f.team(session)),))
    session.commit()
    return dispatcher, case.id, foreign.id


def test_a_dispatcher_issues_a_link_the_debtor_opens_and_revoking_it_ends_the_session(
        app, client, session):
    dispatcher, case_id, _ = _world(session)
    token = bearer(login(client, dispatcher.username))
    issued = client.post(f"/api/v1/cases/{case_id}/self-service-links",
                         json={"days": 3, "send": True}, headers=token)
    assert issued.status_code == 201
    body = issued.get_json()
    path = body["url"].split("://", 1)[1].split("/", 1)[1]
    message = session.get(OutboxMessage, body["message_id"])
    assert message.template == "self_service_link" and f"/{path}" in message.body

    debtor = app.test_client()
    assert prove(debtor, recorder(app), f"/{path}").status_code == 302
    assert "8000.00" in debtor.get("/s/").get_data(as_text=True)

    listed = client.get(f"/api/v1/cases/{case_id}/self-service-links", headers=token)
    assert [row["id"] for row in listed.get_json()] == [body["id"]]
    revoked = client.post(f"/api/v1/self-service-links/{body['id']}/revoke",
                          json={"reason": "asked us to stop"}, headers=token)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert debtor.get("/s/").status_code == 404
    session.expire_all()
    assert session.get(OutboxMessage, body["message_id"]).status == "cancelled"
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"self_service.link_issued", "self_service.link_revoked"} <= set(actions)


def test_links_of_a_foreign_case_are_not_found_and_bad_input_is_a_clear_422(app, client,
                                                                            session):
    dispatcher, _, foreign_id = _world(session)
    token = bearer(login(client, dispatcher.username))
    foreign = client.post(f"/api/v1/cases/{foreign_id}/self-service-links", json={},
                          headers=token)
    assert foreign.status_code == 404
    bad = client.post(f"/api/v1/cases/{foreign_id}/self-service-links", json={"days": 99},
                      headers=token)
    assert bad.status_code == 422 and "days" in str(bad.get_json()["errors"])
