"""Field cash hand-in: a collector deposits receipts' cash under one slip; the deposit is
matched to the lender's postings; still unmatched after UNMATCHED_DAYS it is flagged for the
dispatcher; a report per collector says what was collected, deposited and is outstanding.

A deposit is matched when the lender posted a cash payment with the slip's number as its
receipt number and the deposit's amount, or when every receipt in it has been matched by a
lender posting (server/payments/matching.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.errors import Conflict, InvalidInput
from server.models import Blob, CashDeposit, LenderPosting, Payment, Role, User

UNMATCHED_DAYS = 3


def _collector(session: Session, caller, collector_id: str | None) -> User:
    if caller.role == Role.COLLECTOR:
        return session.get(User, caller.user_id)
    user = session.get(User, collector_id) if collector_id else None
    if user is None or user.role != Role.COLLECTOR or (
            caller.role != Role.ADMIN and user.agency_id != caller.agency_id):
        raise InvalidInput("no such collector", {"collector_id": ["a collector of your agency"]})
    return user


def record_deposit(session: Session, caller, body: dict, now: datetime) -> CashDeposit:
    """Record a hand-in; its receipts must be the collector's live cash receipts, not already
    deposited, and add up to the amount; the slip photo must have been uploaded."""
    collector = _collector(session, caller, body.get("collector_id"))
    ids = list(dict.fromkeys(body["receipt_ids"]))
    receipts = session.scalars(select(Payment).where(Payment.id.in_(ids))).all()
    deposited = {r for d in session.scalars(select(CashDeposit.receipt_ids).where(
        CashDeposit.collector_id == collector.id)) for r in d}
    bad = sorted(set(ids) - {r.id for r in receipts if r.user_id == collector.id
                             and r.method == "cash" and r.voided_at is None} | (
        set(ids) & deposited))
    if bad:
        raise InvalidInput("some receipts cannot be deposited", {"receipt_ids": [
            f"{r}: not a live cash receipt of this collector, or already deposited"
            for r in bad[:100]]})
    total = sum((r.amount for r in receipts), Decimal("0"))
    if total != body["amount"]:
        raise InvalidInput("the amount is not the receipts' total",
                           {"amount": [f"the receipts add up to {total}"]})
    if session.get(Blob, body["slip_sha256"]) is None:
        raise InvalidInput("upload the slip photo first",
                           {"slip_sha256": ["no attachment with this hash"]})
    if session.scalar(select(CashDeposit.id).where(CashDeposit.collector_id == collector.id,
                                                   CashDeposit.batch_ref == body["batch_ref"])):
        raise Conflict("this slip is already recorded", {"batch_ref": ["already recorded"]})
    deposit = CashDeposit(collector_id=collector.id, agency_id=collector.agency_id,
                          batch_ref=body["batch_ref"], amount=body["amount"],
                          deposited_at=body["deposited_at"], slip_sha256=body["slip_sha256"],
                          receipt_ids=ids, recorded_by=caller.user_id, created_at=now)
    session.add(deposit)
    session.flush()
    audit.record(session, caller.user_id, "cash.deposit", "cash_deposit", deposit.id,
                 {"amount": str(deposit.amount), "receipts": len(ids)})
    return deposit


def match_deposits(session: Session, now: datetime) -> dict[str, int]:
    """The scheduler's job: match open deposits to postings; flag those too long unmatched."""
    matched = flagged = 0
    lp = LenderPosting
    for deposit in session.scalars(select(CashDeposit).where(CashDeposit.matched_at.is_(None))):
        by_slip = list(session.scalars(select(lp.id).where(
            lp.receipt_no == deposit.batch_ref, lp.amount == deposit.amount,
            lp.reversed_at.is_(None), lp.kind == "payment")))
        by_receipts = list(session.scalars(select(lp.id).where(
            lp.matched_payment_id.in_(deposit.receipt_ids), lp.reversed_at.is_(None))))
        if by_slip or len(by_receipts) == len(deposit.receipt_ids):
            deposit.matched_at, deposit.matched_posting_ids = now, by_slip or by_receipts
            deposit.flagged_at = None
            matched += 1
        elif deposit.flagged_at is None and deposit.deposited_at <= now - timedelta(
                days=UNMATCHED_DAYS):
            deposit.flagged_at = now
            flagged += 1
    return {"matched": matched, "flagged": flagged}


def visible_deposits(caller, flagged: bool | None):
    """Deposits the caller may list: collectors their own, dispatchers their agency's."""
    stmt = select(CashDeposit).order_by(CashDeposit.deposited_at.desc(), CashDeposit.id)
    if caller.role == Role.COLLECTOR:
        stmt = stmt.where(CashDeposit.collector_id == caller.user_id)
    elif caller.role != Role.ADMIN:
        stmt = stmt.where(CashDeposit.agency_id == caller.agency_id)
    if flagged is not None:
        stmt = stmt.where(CashDeposit.flagged_at.is_not(None) if flagged
                          else CashDeposit.flagged_at.is_(None))
    return stmt


def cash_report(session: Session, caller, start: datetime, end: datetime) -> list[dict]:
    """Per collector: live cash receipts taken and cash deposited in [start, end), and the
    outstanding cash (all receipts ever taken minus all deposits, up to `end`)."""
    scope = (User.agency_id == caller.agency_id) if caller.role != Role.ADMIN else true()
    p, d = Payment, CashDeposit
    live = (p.method == "cash", p.voided_at.is_(None))

    def sums(model, column, at, *extra, since=start):
        stmt = (select(model.__table__.c[column], func.sum(model.amount))
                .join(User, User.id == model.__table__.c[column])
                .where(scope, at < end, *extra).group_by(model.__table__.c[column]))
        return dict(session.execute(stmt.where(at >= since) if since else stmt).all())

    collected, deposited = sums(p, "user_id", p.paid_at, *live), sums(d, "collector_id",
                                                                       d.deposited_at)
    owed = sums(p, "user_id", p.paid_at, *live, since=None)
    banked = sums(d, "collector_id", d.deposited_at, since=None)
    names = dict(session.execute(select(User.id, User.username).where(
        User.id.in_(set(collected) | set(deposited) | set(owed)))).all())
    zero = Decimal("0")
    return [{"collector": names[u], "collector_id": u, "collected": collected.get(u, zero),
             "deposited": deposited.get(u, zero),
             "outstanding": owed.get(u, zero) - banked.get(u, zero)}
            for u in sorted(names, key=names.get)]
