"""An account paid to zero by the lender settles the case: its work closes, phones forget it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.auth.clients import create_client
from server.extensions import db
from server.models import (
    AuditEvent,
    Case,
    FollowUp,
    OutboxMessage,
    PaymentPromise,
    Placement,
    Visit,
    utcnow,
)
from tests.integration.sync.conftest import pull
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today


def _world(app, client):
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender")
        ann = f.user(s, "collector", f.team(s))
        case, visit = f.case_with_visit(s, lender=lender, collectors=[ann])
        account = f.account_of(s, case)
        now = utcnow()
        f.promise(s, case, "500.00", operation_today() + timedelta(days=5), now, collector=ann)
        s.add_all([FollowUp(case_id=case.id, kind="call", due_at=now, reason="call back"),
                   OutboxMessage(case_id=case.id, recipient="13800000000",
                                 template="ptp_reminder", body="明天还款",
                                 dedupe_key=f.unique("m"))])
        token = create_client(s, None, "core", lender.code, ["payments:write"]).token
        s.commit()
        ids = (case.id, visit.id, account.external_id, str(account.outstanding), ann.username)
    phone = {**bearer(login(client, ids[4], device_id="phone-ann")), "X-Device-Id": "phone-ann"}
    return ids, bearer(token), phone


def _pay(client, headers, txn_id, account_ref, amount):
    return client.post("/api/v1/lender/postings", headers=headers, json={
        "txn_id": txn_id, "account_id": account_ref, "amount": amount,
        "paid_at": utcnow().isoformat()})


def test_paying_the_balance_to_zero_settles_the_case_and_closes_its_work(app, client):
    (case_id, visit_id, account_ref, balance, _), lender, phone = _world(app, client)
    first = pull(client, phone)
    assert _pay(client, lender, "P1", account_ref, "100.00").status_code == 201
    with app.app_context():
        assert db.session.get(Case, case_id).status == "open"  # still owes
    rest = f"{float(balance) - 100:.2f}"
    assert _pay(client, lender, "P2", account_ref, rest).status_code == 201
    with app.app_context():
        s = db.session
        case = s.get(Case, case_id)
        assert case.status == "settled" and case.closed_at is not None
        assert s.get(Visit, visit_id).status == "cancelled"
        assert {f.status for f in s.scalars(select(FollowUp))} == {"cancelled"}
        assert s.scalar(select(OutboxMessage.status)) == "withdrawn"
        assert s.scalar(select(PaymentPromise.status)) == "cancelled"
        assert s.scalar(select(Placement.returned_at)) is not None
        assert s.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "case.settled"))["case_ids"] == [case_id]
    gone = pull(client, phone, first["timestamp"])
    assert gone["changes"]["visits"]["deleted"] == [visit_id]
    assert gone["changes"]["cases"]["deleted"] == [case_id]
