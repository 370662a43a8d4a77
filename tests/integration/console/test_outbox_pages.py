"""The console's outbox page: the caller's messages only, filtered, numbers masked, the list
audited; cancel and retry through the outbox use cases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.models import AuditEvent, OutboxMessage, utcnow
from tests.integration.console.conftest import post, sign_in
from tests.support import factories as f
from tests.support.messaging import debtor_case, queue


def _world(session):
    agency = f.agency(session)
    team = f.team(session, agency)
    collector = f.user(session, "collector", team)
    dispatcher = f.user(session, "dispatcher", team)
    mine = debtor_case(session, collectors=(collector,))
    foreign = debtor_case(session, collectors=(f.user(session, "collector", f.team(session)),))
    now = utcnow()
    rows = {"pending": queue(session, mine, now + timedelta(hours=1), recipient="13911112222"),
            "failed": queue(session, mine, now - timedelta(hours=2)),
            "foreign": queue(session, foreign, now, body="foreign <b>x</b>")}
    rows["failed"].status, rows["failed"].last_error = "failed", "gave <up>"
    ids = {k: v.id for k, v in rows.items()}
    name = dispatcher.username
    session.commit()
    return name, ids


def test_the_outbox_page_lists_filters_masks_and_audits(app, console, session):
    name, ids = _world(session)
    sign_in(console, name)
    page = console.get("/console/outbox").get_data(as_text=True)
    assert ids["pending"] in page and ids["failed"] in page and ids["foreign"] not in page
    assert "13911112222" not in page and "*******2222" in page
    assert "gave &lt;up&gt;" in page
    failed = console.get("/console/outbox?status=failed").get_data(as_text=True)
    assert ids["failed"] in failed and ids["pending"] not in failed
    assert console.get("/console/outbox?status=bogus").status_code == 422
    assert session.scalars(select(AuditEvent.action).where(
        AuditEvent.action == "outbox_message.list")).all()


def test_cancel_and_retry_from_the_page(app, console, session):
    name, ids = _world(session)
    sign_in(console, name)
    assert post(console, f"/console/outbox/{ids['pending']}/cancel", {"reason": ""}
                ).status_code == 422
    done = post(console, f"/console/outbox/{ids['pending']}/cancel", {"reason": "paid"})
    assert done.status_code == 302
    assert post(console, f"/console/outbox/{ids['failed']}/retry").status_code == 302
    assert post(console, f"/console/outbox/{ids['foreign']}/retry").status_code == 404
    session.expire_all()
    assert session.get(OutboxMessage, ids["pending"]).status == "cancelled"
    assert session.get(OutboxMessage, ids["failed"]).status == "pending"
    assert session.get(OutboxMessage, ids["foreign"]).status == "pending"
