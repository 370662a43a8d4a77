"""The promise monitor counts the lender's postings as well as field payments, each once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.auth.clients import ClientPrincipal
from server.compliance.profile_store import seed_profiles
from server.models import Address, FollowUp, PaymentPromise
from server.payments.service import post_posting
from server.promises.monitor import run_promise_monitor
from tests.support import factories as f

SH = ZoneInfo("Asia/Shanghai")
MADE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DUE = date(2026, 3, 10)
DEADLINE = datetime(2026, 3, 13, 16, 0, tzinfo=UTC)  # end of 13 March in Shanghai (grace 3)


def _case(session):
    seed_profiles(session)
    case, visit = f.case_with_visit(session)
    session.get(Address, visit.address_id).time_zone = "Asia/Shanghai"
    session.flush()
    return case


def _post(session, case, txn_id, amount, paid_at, **kw):
    principal = ClientPrincipal("core", case.lender_id, ("payments:write",))
    body = {"txn_id": txn_id, "amount": amount, "paid_at": paid_at.isoformat(),
            "account_id": f.account_of(session, case).external_id, **kw}
    posting, _ = post_posting(session, principal, body, paid_at, SH).answer()
    return posting


def _status(session, promise):
    session.expire_all()
    return session.get(PaymentPromise, promise.id).status


def test_a_promise_kept_by_bank_transfer_is_kept_not_broken(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    _post(session, case, "BANK-1", "1000.00", MADE + timedelta(days=2))
    counts = run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert counts["kept"] == 1 and counts["broken"] == 0
    assert _status(session, ptp) == "kept"


def test_cash_taken_at_the_door_and_later_posted_by_the_lender_counts_once(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    f.payment(session, case, "600.00", MADE + timedelta(days=1), method="cash")
    _post(session, case, "DEP-1", "600.00", MADE + timedelta(days=2), channel="cash")
    run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert _status(session, ptp) == "broken"  # 600 paid once, not 1,200
    assert session.get(PaymentPromise, ptp.id).paid_amount == 600


def test_a_receipt_number_matches_the_posting_whatever_the_amount_and_day(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    f.payment(session, case, "500.00", MADE + timedelta(days=1), method="transfer",
              receipt_no="R-77")
    posting = _post(session, case, "DEP-2", "500.00", MADE + timedelta(days=6),
                    receipt_no="R-77")
    assert posting.matched_payment_id is not None
    _post(session, case, "BANK-2", "500.00", MADE + timedelta(days=7))
    run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert _status(session, ptp) == "kept"  # 500 (receipt = posting) + 500 by transfer


def test_two_equal_cash_payments_are_not_both_claimed_by_one_posting(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    f.payment(session, case, "500.00", MADE + timedelta(days=1), method="cash")
    f.payment(session, case, "500.00", MADE + timedelta(days=1, hours=2), method="cash")
    _post(session, case, "DEP-3", "500.00", MADE + timedelta(days=2), channel="cash")
    run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert _status(session, ptp) == "kept"  # one receipt matched, the other still counts


def test_a_reversal_after_kept_leaves_it_kept_and_opens_a_review(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    _post(session, case, "BANK-3", "1000.00", MADE + timedelta(days=2))
    run_promise_monitor(session, now=MADE + timedelta(days=3))
    assert _status(session, ptp) == "kept"
    _post(session, case, "NSF-3", "1000.00", MADE + timedelta(days=4), kind="reversal",
          reverses_txn_id="BANK-3", reason="nsf")
    run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert _status(session, ptp) == "kept"
    review = session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)).all()
    assert [(r.kind, r.status) for r in review] == [("review", "open")]
    assert "nsf" in review[0].reason


def test_money_reversed_before_the_deadline_does_not_keep_the_promise(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    _post(session, case, "BANK-4", "1000.00", MADE + timedelta(days=2))
    _post(session, case, "CB-4", "1000.00", MADE + timedelta(days=3), kind="reversal",
          reverses_txn_id="BANK-4", reason="chargeback")
    run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert _status(session, ptp) == "broken"


def test_a_receipt_that_arrives_after_the_lenders_posting_counts_once(session):
    from server.payments.matching import match_late_receipts

    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    posting = _post(session, case, "DEP-9", "600.00", MADE + timedelta(days=2), channel="cash")
    assert posting.matched_payment_id is None  # nothing to match yet
    receipt = f.payment(session, case, "600.00", MADE + timedelta(days=1), method="cash")
    assert match_late_receipts(session, [receipt.id]) == 1
    session.expire_all()
    assert session.get(type(posting), posting.id).matched_payment_id == receipt.id
    run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert _status(session, ptp) == "broken"  # 600 paid once, not 1,200
    assert session.get(PaymentPromise, ptp.id).paid_amount == 600


def test_a_late_receipt_is_matched_by_number_and_never_to_a_claimed_or_reversed_posting(session):
    from server.payments.matching import match_late_receipts

    case = _case(session)
    at = MADE + timedelta(days=1)
    _post(session, case, "DEP-10", "300.00", at + timedelta(days=1), channel="cash")
    _post(session, case, "DEP-10R", "300.00", at + timedelta(days=1, hours=1), kind="reversal",
          reverses_txn_id="DEP-10", reason="nsf")
    late = _post(session, case, "DEP-11", "300.00", at + timedelta(days=5), channel="cash")
    numbered = _post(session, case, "DEP-12", "450.00", at + timedelta(days=9),
                     receipt_no="R-LATE")
    cash = f.payment(session, case, "300.00", at, method="cash")
    slip = f.payment(session, case, "450.00", at, method="transfer", receipt_no="R-LATE")
    # the reversed posting is not claimed and DEP-11 is outside the 3-day window
    assert match_late_receipts(session, [cash.id, slip.id]) == 1
    session.expire_all()
    assert session.get(type(numbered), numbered.id).matched_payment_id == slip.id
    assert session.get(type(late), late.id).matched_payment_id is None
