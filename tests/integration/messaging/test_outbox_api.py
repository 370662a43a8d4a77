"""/api/v1/outbox: operators list, filter, cancel and retry messages of their own cases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.models import AuditEvent, OutboxMessage, utcnow
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.messaging import debtor_case, queue


def _world(session):
    agency = f.agency(session)
    team = f.team(session, agency)
    collector = f.user(session, "collector", team)
    dispatcher = f.user(session, "dispatcher", team)
    mine = debtor_case(session, collectors=(collector,))
    stranger = f.user(session, "collector", f.team(session))
    foreign = debtor_case(session, collectors=(stranger,))
    now = utcnow()
    rows = {"pending": queue(session, mine, now + timedelta(hours=1)),
            "failed": queue(session, mine, now - timedelta(hours=2)),
            "sent": queue(session, mine, now - timedelta(hours=3)),
            "foreign": queue(session, foreign, now)}
    rows["failed"].status, rows["failed"].attempts = "failed", 6
    rows["failed"].last_error = "gave up"
    rows["sent"].status = "sent"
    session.commit()
    return dispatcher, collector, rows


def test_a_dispatcher_lists_only_their_agencys_messages_and_the_read_is_audited(client,
                                                                                session):
    dispatcher, _, rows = _world(session)
    token = bearer(login(client, dispatcher.username))
    listed = client.get("/api/v1/outbox", headers=token)
    failed = client.get("/api/v1/outbox?status=failed", headers=token)
    assert listed.status_code == 200
    assert [m["id"] for m in listed.get_json()] == [rows[k].id for k in ("sent", "failed",
                                                                        "pending")]
    assert [m["status"] for m in failed.get_json()] == ["failed"]
    assert '"total": 3' in listed.headers["X-Pagination"]
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("outbox_message.list") == 2


def test_a_foreign_message_is_not_found_for_every_operation(client, session):
    dispatcher, _, rows = _world(session)
    token, foreign = bearer(login(client, dispatcher.username)), rows["foreign"].id
    answers = [client.get(f"/api/v1/outbox/{foreign}", headers=token),
               client.post(f"/api/v1/outbox/{foreign}/cancel", json={"reason": "x"},
                           headers=token),
               client.post(f"/api/v1/outbox/{foreign}/retry", headers=token)]
    assert [a.status_code for a in answers] == [404, 404, 404]
    session.expire_all()
    assert session.get(OutboxMessage, foreign).status == "pending"


def test_cancel_withdraws_a_pending_message_with_its_reason_and_audits_it(client, session):
    dispatcher, _, rows = _world(session)
    token = bearer(login(client, dispatcher.username))
    done = client.post(f"/api/v1/outbox/{rows['pending'].id}/cancel",
                       json={"reason": "paid this morning"}, headers=token)
    too_late = client.post(f"/api/v1/outbox/{rows['sent'].id}/cancel",
                           json={"reason": "x"}, headers=token)
    no_reason = client.post(f"/api/v1/outbox/{rows['failed'].id}/cancel", json={},
                            headers=token)
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    assert done.get_json()["last_error"] == "paid this morning"
    assert too_late.status_code == 409
    assert no_reason.status_code == 422 and "reason" in str(no_reason.get_json()["errors"])
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.cancel"))
    assert event.object_id == rows["pending"].id and event.actor_id == dispatcher.id


def test_retry_queues_a_failed_message_again_with_fresh_attempts(client, session):
    dispatcher, _, rows = _world(session)
    token = bearer(login(client, dispatcher.username))
    answer = client.post(f"/api/v1/outbox/{rows['failed'].id}/retry", headers=token)
    pending = client.post(f"/api/v1/outbox/{rows['pending'].id}/retry", headers=token)
    body = answer.get_json()
    assert answer.status_code == 200 and (body["status"], body["attempts"]) == ("pending", 0)
    assert body["last_error"] is None and pending.status_code == 409
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "outbox.retry")) == "outbox.retry"


def test_collectors_have_no_outbox(client, session):
    _, collector, _ = _world(session)
    answer = client.get("/api/v1/outbox", headers=bearer(login(client, collector.username)))
    assert answer.status_code == 403
