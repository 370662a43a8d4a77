"""Field receipts are never deleted: a person voids one with a reason, or re-issues it (the new
receipt links to the one it replaces). Both are audited and reach the devices (payments are
pulled), and a lender posting matched to the old receipt follows the new one."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.access import case_visible
from server.audit import service as audit
from server.errors import Conflict, NotFound
from server.models import Account, Case, LenderPosting, Payment, new_id


def visible_receipt(session: Session, caller, payment_id: str) -> Payment:
    """A receipt on a case the caller's agency may work, else NotFound."""
    payment = session.scalar(select(Payment).join(Case, Case.id == Payment.case_id)
                             .where(Payment.id == payment_id, case_visible(caller)))
    if payment is None:
        raise NotFound(f"no receipt {payment_id!r}")
    return payment


def void_receipt(session: Session, caller, payment_id: str, reason: str,
                 now: datetime) -> Payment:
    """Void a receipt with the reason (it stays, marked); voiding twice is a conflict."""
    payment = visible_receipt(session, caller, payment_id)
    if payment.voided_at is not None:
        raise Conflict("this receipt is already void", {"payment_id": ["already void"]})
    payment.voided_at, payment.void_reason = now, reason
    audit.record(session, caller.user_id, "payment.void", "payment", payment.id,
                 {"reason": reason, "receipt_no": payment.receipt_no})
    return payment


def reissue_receipt(session: Session, caller, payment_id: str, body: dict,
                    now: datetime) -> Payment:
    """Void the receipt (if not yet) and issue its replacement with a new number, linked."""
    old = visible_receipt(session, caller, payment_id)
    lender_id = old.lender_id or session.scalar(
        select(Account.lender_id).where(Account.id == old.account_id))
    if session.scalar(select(Payment.id).where(Payment.lender_id == lender_id,
                                               Payment.receipt_no == body["receipt_no"])):
        raise Conflict("this receipt number is taken", {"receipt_no": ["already used"]})
    if old.voided_at is None:
        old.voided_at = now
        old.void_reason = f"re-issued as {body['receipt_no']}: {body['reason']}"[:200]
    new = Payment(id=new_id(), case_id=old.case_id, account_id=old.account_id,
                  visit_id=old.visit_id, amount=body.get("amount") or old.amount,
                  currency=old.currency, method=old.method, receipt_no=body["receipt_no"],
                  paid_at=body.get("paid_at") or old.paid_at, reissue_of=old.id,
                  recorded_at=now, received_at=now, user_id=old.user_id, lender_id=lender_id)
    new.digest = hashlib.sha256(f"{new.id}|{new.amount}|{new.receipt_no}".encode()).hexdigest()
    session.add(new)
    session.flush()
    session.execute(update(LenderPosting).where(LenderPosting.matched_payment_id == old.id)
                    .values(matched_payment_id=new.id)
                    .execution_options(synchronize_session=False))
    audit.record(session, caller.user_id, "payment.reissue", "payment", new.id,
                 {"reissue_of": old.id, "reason": body["reason"], "receipt_no": new.receipt_no,
                  "old_receipt_no": old.receipt_no})
    return new
