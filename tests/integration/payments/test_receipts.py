"""Receipts are voided with a reason or re-issued (linked), never deleted; audited and synced."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Payment, utcnow
from tests.integration.sync.conftest import ids, pull
from tests.support import factories as f
from tests.support.api import bearer, login


def _world(app, client):
    with app.app_context():
        s = db.session
        team, other = f.team(s), f.team(s)
        ann = f.user(s, "collector", team)
        dora, dave = f.user(s, "dispatcher", team), f.user(s, "dispatcher", other)
        case, _ = f.case_with_visit(s, collectors=[ann])
        receipt = f.payment(s, case, "300.00", utcnow() - timedelta(hours=2), collector=ann,
                            method="cash", receipt_no=f.unique("R-"))
        s.commit()
        names = (ann.username, dora.username, dave.username, receipt.id)
    phone = {**bearer(login(client, names[0], device_id="phone-ann")), "X-Device-Id": "phone-ann"}
    return phone, bearer(login(client, names[1])), bearer(login(client, names[2])), names[3]


def test_a_voided_receipt_stays_marked_reaches_the_phone_and_is_audited(app, client):
    phone, dora, _, receipt_id = _world(app, client)
    first = pull(client, phone)
    response = client.post(f"/api/v1/receipts/{receipt_id}/void", headers=dora,
                           json={"reason": "wrong amount"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["void_reason"] == "wrong amount"
    again = client.post(f"/api/v1/receipts/{receipt_id}/void", headers=dora,
                        json={"reason": "twice"})
    assert again.status_code == 409
    synced = pull(client, phone, first["timestamp"])
    row = next(r for r in synced["changes"]["payments"]["updated"] if r["id"] == receipt_id)
    assert row["void_reason"] == "wrong amount"
    with app.app_context():
        assert db.session.get(Payment, receipt_id).voided_at is not None
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.object_id == receipt_id)) == "payment.void"


def test_a_reissued_receipt_links_to_the_voided_one_and_both_reach_the_phone(app, client):
    phone, dora, _, receipt_id = _world(app, client)
    first = pull(client, phone)
    response = client.post(f"/api/v1/receipts/{receipt_id}/reissue", headers=dora,
                           json={"reason": "misprinted", "receipt_no": "R-NEW-7",
                                 "amount": "350.00"})
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    assert (new["reissue_of"], new["amount"], new["receipt_no"]) == (
        receipt_id, "350.00", "R-NEW-7")
    synced = pull(client, phone, first["timestamp"])
    assert {receipt_id, new["id"]} <= ids(synced, "payments")
    with app.app_context():
        old = db.session.get(Payment, receipt_id)
        assert old.voided_at is not None and "R-NEW-7" in old.void_reason
    taken = client.post(f"/api/v1/receipts/{new['id']}/reissue", headers=dora,
                        json={"reason": "again", "receipt_no": "R-NEW-7"})
    assert taken.status_code == 409 and "receipt_no" in taken.get_json()["errors"]


def test_another_agencys_dispatcher_gets_a_404(app, client):
    _, _, dave, receipt_id = _world(app, client)
    response = client.post(f"/api/v1/receipts/{receipt_id}/void", headers=dave,
                           json={"reason": "not mine"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Payment, receipt_id).voided_at is None
