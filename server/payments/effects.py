"""What a batch of new postings does to accounts: balance, overdue, last payment, dpd, bucket.

The lender owns balances; Doorstep follows its postings: a payment lowers what is outstanding
and overdue (never below zero), a reversal puts its amount back. An account whose overdue
reaches zero is current (dpd 0, M0); a reversal of the payment that cleared it restores the
first unpaid due date that payment cleared (kept on the payment as `due_since_before`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from server.jobs.accounts import BUCKETS, OLDEST
from server.jobs.sql import day_diff
from server.models import Account, LenderPosting, PostingKind
from server.payments import matching, staging
from server.payments.staging import NEW
from server.sync.feed import record_changes

LP, T, A, G = LenderPosting.__table__, staging.batch.c, Account.__table__, staging.accounts.c
ZERO = literal(0)


def apply(session: Session, now: datetime, today: date) -> list[str]:
    """Apply the batch's new postings to their accounts; return the accounts now at zero."""
    _aggregate(session)
    touched = list(session.scalars(select(G.account_id)))
    if not touched:
        return []
    _balances(session)
    _ages(session, today)
    record_changes(session, "accounts", touched)
    matching.match_new_postings(session)
    matching.review_reversed_keeps(session, now)
    return list(session.scalars(select(A.c.id).where(
        A.c.id.in_(select(G.account_id)), A.c.outstanding <= 0)))


def _aggregate(session: Session) -> None:
    o = LP.alias("orig")
    signed = case((T.kind == PostingKind.PAYMENT, T.amount), else_=-T.amount)
    source = (
        select(LP.c.account_id, func.sum(signed),
               func.max(case((T.kind == PostingKind.PAYMENT, T.paid_at))),
               func.min(o.c.due_since_before))
        .select_from(staging.batch).join(LP, LP.c.id == T.id)
        .outerjoin(o, o.c.id == T.original_id)
        .where(T.outcome == NEW, LP.c.account_id.is_not(None))
        .group_by(LP.c.account_id))
    session.execute(insert(staging.accounts).from_select(
        ["account_id", "delta", "last_paid_at", "restore_due_since"], source))


def _floor(value):
    return case((value < 0, ZERO), else_=value)


def _balances(session: Session) -> None:
    last = case((or_(A.c.last_payment_at.is_(None), G.last_paid_at > A.c.last_payment_at),
                 G.last_paid_at), else_=A.c.last_payment_at)
    session.execute(
        update(A).where(A.c.id == G.account_id)
        .values(outstanding=_floor(A.c.outstanding - G.delta),
                overdue_amount=_floor(A.c.overdue_amount - G.delta),
                last_payment_at=func.coalesce(last, A.c.last_payment_at)))


def _ages(session: Session, today: date) -> None:
    due = case((A.c.overdue_amount <= 0, None),
               else_=func.coalesce(A.c.due_since, G.restore_due_since))
    session.execute(update(A).where(A.c.id == G.account_id).values(due_since=due))
    overdue = day_diff(session, literal(today), A.c.due_since)
    dpd = case((or_(A.c.due_since.is_(None), A.c.due_since >= today), 0), else_=overdue)
    bucket = case(*[(dpd <= bound, name) for bound, name in BUCKETS], else_=OLDEST)
    session.execute(update(A).where(and_(A.c.id.in_(select(G.account_id))))
                    .values(dpd=dpd, bucket=bucket))
