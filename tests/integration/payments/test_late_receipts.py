"""A collector's cash receipt pushed after the lender posted the same money is matched to it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from server.auth.clients import create_client
from server.extensions import db
from server.models import Agency, LenderPosting
from server.payments.counted import counted_money
from tests.integration.sync import facts
from tests.integration.sync.conftest import push
from tests.support import factories as f
from tests.support.api import bearer, login


def test_a_receipt_pushed_after_the_posting_is_matched_and_counted_once(app, client):
    with app.app_context():
        s = db.session
        team = f.team(s)
        ann = f.user(s, "collector", team)
        case, visit = f.case_with_visit(s, collectors=[ann])
        account = f.account_of(s, case)
        token = create_client(s, None, "core", s.get(Agency, case.lender_id).code,
                              ["payments:write"]).token
        refs = (visit.id, case.id, account.id, account.external_id, ann.username)
        s.commit()
    paid_ms = facts.now_ms() - 3_600_000
    posted_at = datetime.fromtimestamp(paid_ms / 1000 + 1800, UTC).isoformat()
    response = client.post("/api/v1/lender/postings", headers=bearer(token), json={
        "txn_id": f.unique("CASH-"), "account_id": refs[3], "amount": "250.00",
        "paid_at": posted_at, "channel": "cash"})
    assert response.status_code == 201, response.get_json()
    phone = {**bearer(login(client, refs[4], device_id="phone-ann")), "X-Device-Id": "phone-ann"}
    receipt = {"id": f.unique("pay-"), "visit_id": refs[0], "case_id": refs[1],
               "account_id": refs[2], "amount": "250.00", "currency": "CNY", "method": "cash",
               "paid_at": paid_ms, "recorded_at": facts.now_ms()}
    push(client, phone, {"payments": {"created": [receipt], "updated": [], "deleted": []}})
    with app.app_context():
        posting = db.session.get(LenderPosting, response.get_json()["id"])
        assert posting.matched_payment_id == receipt["id"]
        money = counted_money()
        total = db.session.scalar(select(func.sum(money.c.amount))
                                  .where(money.c.account_id == refs[2]))
        assert total == 250  # once, as the posting
