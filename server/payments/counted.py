"""The money that counts for promises: field payments and lender postings, each once.

A field payment counts unless voided, flagged for review, or matched by a lender posting (the
same money, server/payments/matching.py: then the posting counts instead). A lender payment
counts unless it has been reversed or has no account.
"""

from __future__ import annotations

from sqlalchemy import Subquery, exists, select, union_all

from server.models import LenderPosting, Payment, PostingKind

LP, P = LenderPosting.__table__, Payment.__table__


def counted_money() -> Subquery:
    """(account_id, currency, amount, paid_at) of every payment that counts."""
    field = (select(P.c.account_id, P.c.currency, P.c.amount, P.c.paid_at)
             .where(P.c.voided_at.is_(None), P.c.review_flag.is_(None),
                    ~exists().where(LP.c.matched_payment_id == P.c.id)))
    lender = (select(LP.c.account_id, LP.c.currency, LP.c.amount, LP.c.paid_at)
              .where(LP.c.kind == PostingKind.PAYMENT, LP.c.reversed_at.is_(None),
                     LP.c.account_id.is_not(None)))
    return union_all(field, lender).subquery("counted_money")
