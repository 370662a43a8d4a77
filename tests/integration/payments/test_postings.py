"""POST /lender/postings: idempotent by the lender's transaction id; balances follow postings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from server.extensions import db
from server.models import Account, LenderPosting, PostingConflict
from tests.integration.payments.support import PAID, account, lender_world, posting

URL = "/api/v1/lender/postings"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_payment_lowers_the_balance_and_sets_the_last_payment(app, client):
    w = lender_world(app, client)
    before = account(app, w.account_id)
    response = client.post(URL, headers=w.client, json=posting("T1", w.account_ref, "500.00"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["txn_id"], body["amount"], body["matched"]) == ("T1", "500.00", True)
    after = account(app, w.account_id)
    assert after.outstanding == before.outstanding - Decimal("500.00")
    assert after.last_payment_at == PAID


def test_a_replay_gets_the_same_answer_and_changes_nothing(app, client):
    w = lender_world(app, client)
    first = client.post(URL, headers=w.client, json=posting("T1", w.account_ref))
    balance = account(app, w.account_id).outstanding
    again = client.post(URL, headers=w.client, json=posting("T1", w.account_ref))
    assert again.status_code == first.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert account(app, w.account_id).outstanding == balance
    assert _count(app, LenderPosting) == 1


def test_the_same_id_with_other_content_is_a_409_and_the_body_is_kept(app, client):
    w = lender_world(app, client)
    client.post(URL, headers=w.client, json=posting("T1", w.account_ref, "500.00"))
    balance = account(app, w.account_id).outstanding
    clash = client.post(URL, headers=w.client, json=posting("T1", w.account_ref, "700.00"))
    assert clash.status_code == 409 and "txn_id" in clash.get_json()["errors"]
    assert account(app, w.account_id).outstanding == balance
    with app.app_context():
        kept = db.session.scalars(select(PostingConflict)).all()
        assert [(c.txn_id, c.body["amount"]) for c in kept] == [("T1", "700.00")]
    listed = client.get(f"{URL}/conflicts", headers=w.ops)
    assert [c["txn_id"] for c in listed.get_json()] == ["T1"]


def test_a_posting_for_an_unknown_account_is_kept_unmatched_and_listed(app, client):
    w = lender_world(app, client)
    response = client.post(URL, headers=w.client, json=posting("T1", "NO-SUCH-ACCOUNT"))
    assert response.status_code == 201 and response.get_json()["matched"] is False
    listed = client.get(f"{URL}/unmatched", headers=w.ops).get_json()
    assert [(p["txn_id"], p["account_id"]) for p in listed] == [("T1", "NO-SUCH-ACCOUNT")]


def test_a_reversal_restores_the_balance_and_the_overdue_age(app, client):
    w = lender_world(app, client)
    with app.app_context():
        row = db.session.get(Account, w.account_id)
        row.overdue_amount = Decimal("300.00")
        db.session.commit()
    before = account(app, w.account_id)
    client.post(URL, headers=w.client, json=posting("T1", w.account_ref, "300.00"))
    cleared = account(app, w.account_id)
    assert (cleared.dpd, cleared.bucket, cleared.due_since) == (0, "M0", None)
    reversal = {"txn_id": "R1", "kind": "reversal", "reverses_txn_id": "T1", "reason": "nsf",
                "amount": "300.00", "paid_at": (PAID + timedelta(days=1)).isoformat()}
    response = client.post(URL, headers=w.client, json=reversal)
    assert response.status_code == 201, response.get_json()
    restored = account(app, w.account_id)
    assert restored.outstanding == before.outstanding
    assert (restored.due_since, restored.dpd, restored.bucket) == (
        before.due_since, before.dpd, before.bucket)
    with app.app_context():
        original = db.session.scalar(select(LenderPosting).where(LenderPosting.txn_id == "T1"))
        assert original.reversed_at is not None


def test_bad_postings_are_422_naming_each_field(app, client):
    w = lender_world(app, client)
    bad = client.post(URL, headers=w.client, json={"txn_id": "T 1", "amount": "-5",
                                                   "paid_at": "yesterday", "account_id": "A"})
    assert bad.status_code == 422
    assert {"txn_id", "amount", "paid_at"} <= set(bad.get_json()["errors"])
    orphan = client.post(URL, headers=w.client, json={
        "txn_id": "R9", "kind": "reversal", "reverses_txn_id": "NOPE", "reason": "nsf",
        "amount": "1.00", "paid_at": PAID.isoformat()})
    assert orphan.status_code == 422 and "reverses_txn_id" in orphan.get_json()["errors"]
    assert _count(app, LenderPosting) == 0


def test_another_lenders_postings_and_conflicts_are_not_listed(app, client):
    mine, other = lender_world(app, client), lender_world(app, client)
    client.post(URL, headers=other.client, json=posting("T1", "UNKNOWN"))
    assert client.get(f"{URL}/unmatched", headers=mine.ops).get_json() == []
    assert len(client.get(f"{URL}/unmatched", headers=other.ops).get_json()) == 1
    # Transaction ids are the lender's own: the same id at another lender is another posting.
    assert client.post(URL, headers=mine.client,
                       json=posting("T1", mine.account_ref)).status_code == 201
