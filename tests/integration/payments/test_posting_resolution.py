"""Lender ops resolve what the ingest kept for a person: unmatched postings and 409 conflicts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, LenderPosting, PostingConflict
from tests.integration.payments.support import account, lender_world, posting

URL = "/api/v1/lender/postings"


def _actions(app, object_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == object_id).order_by(AuditEvent.occurred_at)))


def _unmatched(client, w, txn: str = "U1", amount: str = "700.00") -> str:
    response = client.post(URL, headers=w.client, json=posting(txn, "NO-SUCH-ACCOUNT", amount))
    assert response.status_code == 201 and response.get_json()["matched"] is False
    return response.get_json()["id"]


def test_matching_an_unmatched_posting_makes_it_take_effect_once(app, client):
    w = lender_world(app, client)
    posting_id = _unmatched(client, w)
    before = account(app, w.account_id)
    listed = client.get(f"{URL}/unmatched", headers=w.ops).get_json()
    assert [p["id"] for p in listed] == [posting_id]
    response = client.post(f"{URL}/{posting_id}/match", headers=w.ops,
                           json={"account_id": w.account_ref, "note": "typo in the account id"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["matched"], body["resolution"]) == (True, "matched")
    after = account(app, w.account_id)
    assert after.outstanding == before.outstanding - Decimal("700.00")
    assert after.last_payment_at is not None
    assert client.get(f"{URL}/unmatched", headers=w.ops).get_json() == []
    again = client.post(f"{URL}/{posting_id}/match", headers=w.ops,
                        json={"account_id": w.account_ref})
    assert again.status_code == 409
    assert account(app, w.account_id).outstanding == after.outstanding
    assert "posting.match" in _actions(app, posting_id)


def test_a_match_names_a_bad_account_and_never_reaches_another_lender(app, client):
    w, other = lender_world(app, client), lender_world(app, client)
    posting_id = _unmatched(client, w)
    unknown = client.post(f"{URL}/{posting_id}/match", headers=w.ops,
                          json={"account_id": "NOPE"})
    assert unknown.status_code == 422 and "account_id" in unknown.get_json()["errors"]
    # the other lender's account, and the other lender's ops: neither works
    theirs = client.post(f"{URL}/{posting_id}/match", headers=w.ops,
                         json={"account_id": other.account_ref})
    assert theirs.status_code == 422
    foreign = client.post(f"{URL}/{posting_id}/match", headers=other.ops,
                          json={"account_id": other.account_ref})
    assert foreign.status_code == 404
    empty = client.post(f"{URL}/{posting_id}/match", headers=w.ops, json={"account_id": ""})
    assert empty.status_code == 422 and "account_id" in empty.get_json()["errors"]
    with app.app_context():
        assert db.session.get(LenderPosting, posting_id).account_id is None


def test_a_dismissed_posting_is_kept_with_its_reason_and_listed_no_more(app, client):
    w = lender_world(app, client)
    posting_id = _unmatched(client, w)
    missing = client.post(f"{URL}/{posting_id}/dismiss", headers=w.ops, json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    response = client.post(f"{URL}/{posting_id}/dismiss", headers=w.ops,
                           json={"reason": "a credit-card account, not in collections"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolution"] == "dismissed"
    assert client.get(f"{URL}/unmatched", headers=w.ops).get_json() == []
    with app.app_context():
        kept = db.session.get(LenderPosting, posting_id)
        assert kept.resolution_note.startswith("a credit-card") and kept.account_id is None
    assert "posting.dismiss" in _actions(app, posting_id)


def _conflict(client, w) -> str:
    assert client.post(URL, headers=w.client,
                       json=posting("T7", w.account_ref, "500.00")).status_code == 201
    clash = client.post(URL, headers=w.client, json=posting("T7", w.account_ref, "800.00"))
    assert clash.status_code == 409
    listed = client.get(f"{URL}/conflicts", headers=w.ops).get_json()
    assert [c["txn_id"] for c in listed] == ["T7"]
    return listed[0]["id"]


def test_accepting_a_conflict_corrects_the_payment_and_its_effect(app, client):
    w = lender_world(app, client)
    start = account(app, w.account_id).outstanding
    conflict_id = _conflict(client, w)
    assert account(app, w.account_id).outstanding == start - Decimal("500.00")
    response = client.post(f"{URL}/conflicts/{conflict_id}/accept", headers=w.ops,
                           json={"note": "the bank corrected the amount"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["posting"]["amount"] == "800.00"
    assert body["conflict"]["resolution"] == "accepted"
    assert account(app, w.account_id).outstanding == start - Decimal("800.00")  # not 1,300
    # from now on the corrected content is the transaction: a replay, not another conflict
    replay = client.post(URL, headers=w.client, json=posting("T7", w.account_ref, "800.00"))
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert client.get(f"{URL}/conflicts", headers=w.ops).get_json() == []
    twice = client.post(f"{URL}/conflicts/{conflict_id}/accept", headers=w.ops, json={})
    assert twice.status_code == 409
    assert "posting.conflict_accept" in _actions(app, conflict_id)


def test_rejecting_a_conflict_leaves_the_stored_posting_standing(app, client):
    w, other = lender_world(app, client), lender_world(app, client)
    start = account(app, w.account_id).outstanding
    conflict_id = _conflict(client, w)
    foreign = client.post(f"{URL}/conflicts/{conflict_id}/reject", headers=other.ops,
                          json={"reason": "not mine"})
    assert foreign.status_code == 404
    response = client.post(f"{URL}/conflicts/{conflict_id}/reject", headers=w.ops,
                           json={"reason": "a test file from the bank"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolution"] == "rejected"
    assert account(app, w.account_id).outstanding == start - Decimal("500.00")
    with app.app_context():
        assert db.session.get(PostingConflict, conflict_id).resolved_at is not None
        assert db.session.scalar(select(LenderPosting.amount).where(
            LenderPosting.txn_id == "T7", LenderPosting.lender_id == w.lender_id)) == 500
    assert "posting.conflict_reject" in _actions(app, conflict_id)
