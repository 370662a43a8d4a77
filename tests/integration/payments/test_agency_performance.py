"""Agency performance: per agency and period, what its people did on the cases placed with it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from server.auth.clients import create_client
from server.extensions import db
from server.models import Agency, Complaint, ContactAttempt, Placement, utcnow
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today


def test_the_report_counts_each_agencys_work_and_money_once(app, client):
    now = utcnow()
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender")
        ann = f.user(s, "collector", f.team(s))
        bill = f.user(s, "collector", f.team(s))
        case, _ = f.case_with_visit(s, lender=lender, collectors=[ann])
        other, _ = f.case_with_visit(s, lender=lender, collectors=[bill])
        for placement in s.query(Placement).all():
            placement.placed_at = now - timedelta(days=10)
        ptp = f.promise(s, case, "500.00", operation_today(), now - timedelta(days=2),
                        collector=ann)
        ptp.status = "kept"
        f.promise(s, case, "300.00", operation_today(), now - timedelta(days=1), collector=ann)
        f.payment(s, case, "200.00", now - timedelta(days=2), collector=ann, method="cash",
                  receipt_no=f.unique("R"))
        s.add_all([
            ContactAttempt(case_id=case.id, party_id=case.debtor_id, channel="visit",
                           user_id=ann.id, occurred_at=now - timedelta(days=2), connected=True),
            ContactAttempt(case_id=case.id, party_id=case.debtor_id, channel="call",
                           user_id=ann.id, occurred_at=now - timedelta(days=1), connected=False),
            Complaint(case_id=other.id, category="conduct", description="rude",
                      received_at=now - timedelta(days=1))])
        token = create_client(s, None, "core", lender.code, ["payments:write"]).token
        ops = f.user(s, "lender_ops", agency_code=lender.code).username
        account_ref = f.account_of(s, case).external_id
        s.commit()
        codes = {a: s.get(Agency, a).code for a in (ann.agency_id, bill.agency_id)}
    client.post("/api/v1/lender/postings", headers=bearer(token), json={
        "txn_id": "B1", "account_id": account_ref, "amount": "700.00",
        "paid_at": (now - timedelta(days=1)).isoformat()})
    period = {"from": (now - timedelta(days=5)).isoformat(), "to": now.isoformat()}
    response = client.get("/api/v1/reports/agency-performance", query_string=period,
                          headers=bearer(login(client, ops)))
    assert response.status_code == 200, response.get_json()
    rows = {r["agency"]: r for r in response.get_json()}
    a, b = rows[codes[ann.agency_id]], rows[codes[bill.agency_id]]
    assert (a["cases_placed"], a["right_party_contacts"], a["promises_made"],
            a["promises_kept"], a["complaints"]) == (1, 1, 2, 1, 0)
    assert Decimal(a["amount_recovered"]) == Decimal("900.00")  # 200 cash + 700 by transfer
    assert (b["cases_placed"], b["complaints"], Decimal(b["amount_recovered"])) == (1, 1, 0)
