"""Field cash hand-in: deposited under a slip, matched to the lender's postings, flagged when
unmatched too long; a report per collector of cash collected, deposited and outstanding."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from zoneinfo import ZoneInfo

from server.auth.clients import ClientPrincipal
from server.extensions import db
from server.models import Blob, Case, CashDeposit, Payment, utcnow
from server.payments.cash import UNMATCHED_DAYS, match_deposits
from server.payments.service import post_posting
from tests.support import factories as f
from tests.support.api import bearer, login

SLIP = hashlib.sha256(b"slip photo").hexdigest()


def _world(app, client):
    now = utcnow()
    with app.app_context():
        s = db.session
        team = f.team(s)
        ann, dora = f.user(s, "collector", team), f.user(s, "dispatcher", team)
        case, _ = f.case_with_visit(s, collectors=[ann])
        receipts = [f.payment(s, case, amount, now - timedelta(days=5), collector=ann,
                              method="cash", receipt_no=f.unique("R")).id
                    for amount in ("100.00", "250.00", "40.00")]
        s.add(Blob(sha256=SLIP, size=10, content_type="image/jpeg", storage_key="k",
                   uploaded_by=ann.id))
        s.commit()
        users = (ann.username, dora.username, ann.id)
    return (bearer(login(client, users[0])), bearer(login(client, users[1])), users[2],
            receipts, now)


def _deposit(receipts, amount, now, ref="SLIP-1"):
    return {"batch_ref": ref, "amount": amount, "deposited_at": (now - timedelta(days=4))
            .isoformat(), "slip_sha256": SLIP, "receipt_ids": receipts}


def test_a_hand_in_is_recorded_and_checked_against_its_receipts(app, client):
    ann, dora, _, receipts, now = _world(app, client)
    wrong = client.post("/api/v1/cash/deposits", headers=ann,
                        json=_deposit(receipts[:2], "300.00", now))
    assert wrong.status_code == 422 and "350.00" in wrong.get_json()["errors"]["amount"][0]
    ok = client.post("/api/v1/cash/deposits", headers=ann,
                     json=_deposit(receipts[:2], "350.00", now))
    assert ok.status_code == 201, ok.get_json()
    twice = client.post("/api/v1/cash/deposits", headers=ann,
                        json=_deposit(receipts[:1], "100.00", now, "SLIP-2"))
    assert twice.status_code == 422 and "receipt_ids" in twice.get_json()["errors"]
    listed = client.get("/api/v1/cash/deposits", headers=dora).get_json()
    assert [d["batch_ref"] for d in listed] == ["SLIP-1"]


def test_an_unmatched_deposit_is_flagged_and_a_posting_of_the_slip_matches_it(app, client):
    ann, dora, _, receipts, now = _world(app, client)
    client.post("/api/v1/cash/deposits", headers=ann, json=_deposit(receipts[:2], "350.00", now))
    with app.app_context():
        assert match_deposits(db.session, now) == {"matched": 0, "flagged": 1}
        db.session.commit()
    flagged = client.get("/api/v1/cash/deposits", query_string={"flagged": "true"},
                         headers=dora).get_json()
    assert len(flagged) == 1 and UNMATCHED_DAYS == 3
    with app.app_context():
        deposit = db.session.query(CashDeposit).one()
        case = db.session.get(Case, db.session.get(Payment, receipts[0]).case_id)
        principal = ClientPrincipal("core", case.lender_id, ("payments:write",))
        account_ref = f.account_of(db.session, case).external_id
        post_posting(db.session, principal, {
            "txn_id": "DEP-1", "account_id": account_ref, "amount": "350.00",
            "channel": "cash", "receipt_no": deposit.batch_ref,
            "paid_at": now.isoformat()}, now, ZoneInfo("Asia/Shanghai")).answer()
        assert match_deposits(db.session, now) == {"matched": 1, "flagged": 0}
        db.session.commit()
    assert client.get("/api/v1/cash/deposits", query_string={"flagged": "true"},
                      headers=dora).get_json() == []


def test_the_cash_report_shows_collected_deposited_and_outstanding(app, client):
    ann, dora, ann_id, receipts, now = _world(app, client)
    client.post("/api/v1/cash/deposits", headers=ann, json=_deposit(receipts[:2], "350.00", now))
    period = {"from": (now - timedelta(days=10)).isoformat(), "to": now.isoformat()}
    rows = client.get("/api/v1/cash/report", query_string=period, headers=dora).get_json()
    assert [(r["collector_id"], r["collected"], r["deposited"], r["outstanding"])
            for r in rows] == [(ann_id, "390.00", "350.00", "40.00")]
    assert client.get("/api/v1/cash/report", query_string=period,
                      headers=ann).status_code == 403
