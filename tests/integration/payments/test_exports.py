"""CSV exports for the lender: postings and receipts per day and agency, audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from server.auth.clients import create_client
from server.extensions import db
from server.models import Agency, AuditEvent, Payment, Placement
from tests.support import factories as f
from tests.support.api import bearer, login

PAID = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 2 March, 10:00 in Shanghai


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_postings_and_receipts_of_a_day_for_one_agency(app, client):
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender")
        ann, bill = f.user(s, "collector", f.team(s)), f.user(s, "collector", f.team(s))
        case, _ = f.case_with_visit(s, lender=lender, collectors=[ann])
        other, _ = f.case_with_visit(s, lender=lender, collectors=[bill])
        for placement in s.scalars(select(Placement)):
            placement.placed_at = datetime(2026, 3, 1, tzinfo=UTC)
        old = f.payment(s, case, "100.00", PAID, collector=ann, method="cash", receipt_no="R-1",
                        voided_at=PAID, void_reason="re-issued as R-2: misprint")
        f.payment(s, case, "100.00", PAID, collector=ann, method="cash", receipt_no="R-2",
                  reissue_of=old.id)
        f.payment(s, other, "50.00", PAID, collector=bill, method="cash", receipt_no="R-3")
        token = create_client(s, None, "core", lender.code, ["payments:write"]).token
        ops = f.user(s, "lender_ops", agency_code=lender.code).username
        refs = (f.account_of(s, case).external_id, f.account_of(s, other).external_id)
        code = s.get(Agency, ann.agency_id).code
        s.commit()
    for txn, ref in (("B1", refs[0]), ("B2", refs[1])):
        client.post("/api/v1/lender/postings", headers=bearer(token), json={
            "txn_id": txn, "account_id": ref, "amount": "10.00", "paid_at": PAID.isoformat()})
    headers = bearer(login(client, ops))
    query = {"date": "2026-03-02", "agency": code}
    postings = _rows(client.get("/api/v1/lender/exports/postings", query_string=query,
                                headers=headers))
    assert [(p["txn_id"], p["amount"]) for p in postings] == [("B1", "10.00")]
    receipts = _rows(client.get("/api/v1/lender/exports/receipts", query_string=query,
                                headers=headers))
    assert sorted((r["receipt_no"], r["void_reason"], r["reissue_of_receipt_no"])
                  for r in receipts) == [("R-1", "re-issued as R-2: misprint", ""),
                                         ("R-2", "", "R-1")]
    empty = client.get("/api/v1/lender/exports/receipts",
                       query_string={**query, "date": "2026-03-03"}, headers=headers)
    assert _rows(empty) == []
    with app.app_context():
        assert db.session.scalar(select(Payment.id).where(Payment.receipt_no == "R-3"))
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"export.postings", "export.receipts"} <= actions
    bad = client.get("/api/v1/lender/exports/postings",
                     query_string={"date": "2026-03-02", "agency": "NOPE"}, headers=headers)
    assert bad.status_code == 422 and "agency" in bad.get_json()["errors"]
