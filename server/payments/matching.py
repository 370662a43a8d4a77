"""The same money recorded twice: a collector's cash receipt, later posted by the lender.

Rule (docs/decisions.md, D-posting-dedupe): a lender payment is the same money as a field
payment of the same account when the receipt numbers are equal, or, without a receipt number,
when a cash posting has exactly the amount of a cash payment recorded in the field at most
MATCH_WINDOW_DAYS before it and no other posting has claimed it (earliest first, one
to one). The matched posting counts; the field payment it matched no longer does. A receipt
that reaches the server after the lender's posting of it is matched the same way, the other
way round (`match_late_receipts`, run when a push stores field payments).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, literal, select, text, update
from sqlalchemy.orm import Session

from server.db.sql import insert_ignore, new_id_sql
from server.models import (
    FollowUp,
    FollowUpKind,
    LenderPosting,
    Payment,
    PaymentPromise,
    PostingKind,
    PromiseStatus,
)
from server.models.base import UTCDateTime
from server.payments import staging
from server.payments.staging import NEW

MATCH_WINDOW_DAYS = 3  # cash is handed in and posted within this many days
LP, P, T = LenderPosting.__table__, Payment.__table__, staging.batch.c


def _unclaimed(payment_id):
    other = LP.alias("claimed")
    return ~exists().where(other.c.matched_payment_id == payment_id)


def _days_before(session: Session, column, days: int):
    if session.get_bind().dialect.name == "postgresql":
        return column - text(f"interval '{int(days)} days'")
    return func.strftime("%Y-%m-%d %H:%M:%f", column, f"-{int(days)} days")


def match_new_postings(session: Session) -> int:
    """Link the batch's new lender payments to the field payments they duplicate.

    Driven by the batch (whose rows carry their account), never by a scan of all postings.
    """
    new_payment = and_(T.outcome == NEW, T.kind == PostingKind.PAYMENT,
                       T.account_id.is_not(None))
    if session.scalar(select(exists().where(new_payment, T.receipt_no.is_not(None)))):
        by_receipt = (select(P.c.id).where(P.c.receipt_no == LP.c.receipt_no,
                                           P.c.account_id == LP.c.account_id,
                                           P.c.voided_at.is_(None), _unclaimed(P.c.id))
                      .limit(1).scalar_subquery())
        with_receipt = select(T.id).where(new_payment, T.receipt_no.is_not(None))
        session.execute(update(LP).where(LP.c.id.in_(with_receipt))
                        .values(matched_payment_id=by_receipt)
                        .execution_options(synchronize_session=False))
    by_receipt_done = exists().where(LP.c.id == T.id, LP.c.matched_payment_id.is_not(None))
    pairs = session.execute(
        select(T.id, P.c.id).select_from(staging.batch)
        .join(P, and_(P.c.account_id == T.account_id, P.c.amount == T.amount,
                      P.c.currency == T.currency, P.c.method == "cash",
                      P.c.voided_at.is_(None), P.c.paid_at <= T.paid_at,
                      P.c.paid_at >= _days_before(session, T.paid_at, MATCH_WINDOW_DAYS)))
        .where(new_payment, T.channel == "cash", ~by_receipt_done, _unclaimed(P.c.id))
        .order_by(T.paid_at, T.id, P.c.paid_at, P.c.id)).all()
    return _claim(session, pairs)


def _claim(session: Session, pairs) -> int:
    """Link (posting id, payment id) candidates in the order given, each side at most once."""
    links, taken = {}, set()
    for posting_id, payment_id in pairs:
        if posting_id not in links and payment_id not in taken:
            links[posting_id] = payment_id
            taken.add(payment_id)
    if links:
        session.connection().execute(
            update(LP).where(LP.c.id == bindparam("pid"))
            .values(matched_payment_id=bindparam("mid")),
            [{"pid": k, "mid": v} for k, v in links.items()])
    return len(links)


def match_late_receipts(session: Session, payment_ids: list[str]) -> int:
    """Link field payments just stored to the lender payments already posted for them.

    Same rule as at ingest, seen from the receipt: the same receipt number on the account, else
    a cash posting of exactly the amount made at most MATCH_WINDOW_DAYS after the cash was
    taken; a posting already matched, reversed or without an account is never claimed.
    """
    if not payment_ids:
        return 0
    open_posting = and_(LP.c.account_id == P.c.account_id, LP.c.kind == PostingKind.PAYMENT,
                        LP.c.reversed_at.is_(None), LP.c.matched_payment_id.is_(None))
    fresh = and_(P.c.id.in_(payment_ids), P.c.voided_at.is_(None),
                 ~exists().where(LP.alias("claimed").c.matched_payment_id == P.c.id))
    by_receipt = (select(LP.c.id, P.c.id).select_from(P)
                  .join(LP, and_(open_posting, LP.c.receipt_no == P.c.receipt_no))
                  .where(fresh, P.c.receipt_no.is_not(None))
                  .order_by(LP.c.paid_at, LP.c.id))
    by_cash = (select(LP.c.id, P.c.id).select_from(P)
               .join(LP, and_(open_posting, LP.c.channel == "cash", LP.c.amount == P.c.amount,
                              LP.c.currency == P.c.currency, LP.c.paid_at >= P.c.paid_at,
                              _days_before(session, LP.c.paid_at, MATCH_WINDOW_DAYS)
                              <= P.c.paid_at))
               .where(fresh, P.c.method == "cash")
               .order_by(P.c.paid_at, P.c.id, LP.c.paid_at, LP.c.id))
    return _claim(session, [*session.execute(by_receipt), *session.execute(by_cash)])


def review_reversed_keeps(session: Session, now: datetime) -> int:
    """A promise already kept stays kept when its money is reversed; a person reviews it."""
    pp, o = PaymentPromise.__table__, LP.alias("orig")
    at = literal(now, UTCDateTime())
    source = (
        select(new_id_sql(session), pp.c.case_id, pp.c.visit_id, literal(FollowUpKind.REVIEW),
               at, literal("a payment counted for this kept promise was reversed: ") + T.reason,
               literal("open"), literal("reversal:") + T.id + literal(":") + pp.c.id, at, at)
        .select_from(staging.batch).join(o, o.c.id == T.original_id)
        .join(pp, and_(pp.c.account_id == o.c.account_id,
                       pp.c.status == PromiseStatus.KEPT, pp.c.recorded_at <= o.c.paid_at,
                       pp.c.status_changed_at >= o.c.paid_at))
        .where(T.outcome == NEW, T.kind == PostingKind.REVERSAL))
    columns = ["id", "case_id", "visit_id", "kind", "due_at", "reason", "status", "dedupe_key",
               "created_at", "updated_at"]
    return insert_ignore(session, FollowUp.__table__, source, columns)
