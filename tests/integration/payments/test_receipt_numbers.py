"""A receipt number is unique per lender: two lenders' receipt books may print the same number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.models import Payment, QuarantinedRecord, utcnow
from tests.integration.sync import facts
from tests.integration.sync.conftest import push
from tests.support import factories as f
from tests.support.api import bearer, login


def _world(app, client):
    """Ann works a case of lender A; lender B already issued receipt R-500 on its own case."""
    with app.app_context():
        s = db.session
        team = f.team(s)
        ann, dora = f.user(s, "collector", team), f.user(s, "dispatcher", team)
        case, visit = f.case_with_visit(s, collectors=[ann])
        other, _ = f.case_with_visit(s)
        f.payment(s, other, "80.00", utcnow() - timedelta(days=1), method="cash",
                  receipt_no="R-500")
        mine = f.payment(s, case, "90.00", utcnow() - timedelta(days=1), collector=ann,
                         method="cash", receipt_no="R-600")
        s.commit()
        refs = (visit.id, case.id, f.account_of(s, case).id, case.lender_id, mine.id)
        names = (ann.username, dora.username)
    phone = {**bearer(login(client, names[0], device_id="phone-ann")), "X-Device-Id": "phone-ann"}
    return phone, bearer(login(client, names[1])), refs


def _receipt(refs, receipt_no: str, row_id: str) -> dict:
    visit, case, account = refs[:3]
    return {"id": row_id, "visit_id": visit, "case_id": case, "account_id": account,
            "amount": "100.00", "currency": "CNY", "method": "cash", "receipt_no": receipt_no,
            "paid_at": facts.now_ms(), "recorded_at": facts.now_ms()}


def test_another_lenders_receipt_number_is_free_the_same_lenders_is_quarantined(app, client):
    phone, _, refs = _world(app, client)
    first = _receipt(refs, "R-500", f.unique("pay-"))
    push(client, phone, {"payments": {"created": [first], "updated": [], "deleted": []}})
    again = _receipt(refs, "R-500", f.unique("pay-"))
    push(client, phone, {"payments": {"created": [again], "updated": [], "deleted": []}})
    with app.app_context():
        stored = db.session.get(Payment, first["id"])
        assert stored is not None and stored.lender_id == refs[3]
        assert db.session.get(Payment, again["id"]) is None
        held = db.session.scalar(select(QuarantinedRecord).where(
            QuarantinedRecord.row_id == again["id"]))
        assert held is not None and held.reason == "duplicate_value"
        assert "receipt_no" in held.errors  # the clash names the field


def test_a_reissue_may_take_a_number_only_another_lender_used(app, client):
    _, dora, refs = _world(app, client)
    response = client.post(f"/api/v1/receipts/{refs[4]}/reissue", headers=dora,
                           json={"reason": "misprinted", "receipt_no": "R-500"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["receipt_no"] == "R-500"
    with app.app_context():
        assert db.session.get(Payment, response.get_json()["id"]).lender_id == refs[3]
    taken = client.post(f"/api/v1/receipts/{response.get_json()['id']}/reissue", headers=dora,
                        json={"reason": "again", "receipt_no": "R-500"})
    assert taken.status_code == 409 and "receipt_no" in taken.get_json()["errors"]
