"""What new postings do to accounts: balance, overdue, last payment, dpd, bucket.

The lender owns balances; Doorstep follows its postings: a payment lowers what is outstanding
and overdue (never below zero), a reversal puts its amount back. An account whose overdue
reaches zero is current (dpd 0, M0); a reversal of the payment that cleared it restores the
first unpaid due date that payment cleared (kept on the payment as `due_since_before`).
Each batch appends its amounts per account to a temporary table of money moves; one UPDATE
sums and applies them for the whole ingest.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, and_, case, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from server.cases.accounts import BUCKETS, OLDEST
from server.db.feed import record_from_select
from server.db.sql import day_diff
from server.models import Account, LenderPosting, PostingKind
from server.models.base import UTCDateTime
from server.payments import staging
from server.payments.staging import NEW

LP, T, A, M = LenderPosting.__table__, staging.batch.c, Account.__table__, staging.moves.c
ZERO = literal(0)


def _later(a, b):
    return case((or_(a.is_(None), b > a), b), else_=a)


def collect(session: Session) -> None:
    """Append the batch's new postings to the money moves (signed amounts, per account): a
    plain INSERT into an unindexed table; `apply` sums them once for the whole ingest.
    Payments need nothing but the batch; reversals (few) join the payment they undo for the
    due date it cleared (one outer join for both made PostgreSQL hash all the postings)."""
    new = and_(T.outcome == NEW, T.account_id.is_not(None))
    payments = (select(T.account_id, func.sum(T.amount), func.max(T.paid_at),
                       literal(None, Date()))
                .where(new, T.kind == PostingKind.PAYMENT).group_by(T.account_id))
    o = LP.alias("orig")
    reversals = (select(T.account_id, -func.sum(T.amount), literal(None, UTCDateTime()),
                        func.min(o.c.due_since_before))
                 .select_from(staging.batch).outerjoin(o, o.c.id == T.original_id)
                 .where(new, T.kind == PostingKind.REVERSAL).group_by(T.account_id))
    columns = ["account_id", "delta", "last_paid_at", "restore_due_since"]
    session.execute(insert(staging.moves).from_select(columns, payments))
    if session.scalar(select(exists().where(new, T.kind == PostingKind.REVERSAL))):
        session.execute(insert(staging.moves).from_select(columns, reversals))


def _floor(value):
    return case((value < 0, ZERO), else_=value)


def apply(session: Session, today: date) -> list[str]:
    """One UPDATE of every account with new postings; returns the accounts now at zero."""
    if session.scalar(select(M.account_id).limit(1)) is None:
        return []
    staging.total_moves(session)  # summed once: one row per account
    G = staging.totals.c
    overdue = _floor(A.c.overdue_amount - G.delta)
    due = case((overdue <= 0, None), else_=func.coalesce(A.c.due_since, G.restore_due_since))
    dpd = case((or_(due.is_(None), due >= today), 0),
               else_=day_diff(session, literal(today), due))
    session.execute(
        update(A).where(A.c.id == G.account_id)
        .values(outstanding=_floor(A.c.outstanding - G.delta), overdue_amount=overdue,
                last_payment_at=_later(A.c.last_payment_at, G.last_paid_at), due_since=due,
                dpd=dpd, bucket=case(*[(dpd <= bound, name) for bound, name in BUCKETS],
                                     else_=OLDEST)))
    # The ids stay in the database (an array of 1M ids costs psycopg seconds to quote).
    record_from_select(session, "accounts", f"SELECT account_id FROM {staging.totals.name}")
    return list(session.scalars(select(A.c.id).where(
        A.c.id.in_(select(G.account_id)), A.c.outstanding <= 0)))
