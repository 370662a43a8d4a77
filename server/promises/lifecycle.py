"""Promise lifecycle: a newer promise on an account supersedes the active one before it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, aliased

from server.db.feed import record_changes
from server.db.sql import chunks
from server.models import PaymentPromise, PromiseStatus, utcnow


def _latest_active(account_id):
    """The newest active promise on an account (by device time, then id): the one that stays."""
    newer = aliased(PaymentPromise)
    return (
        select(newer.id)
        .where(newer.account_id == account_id, newer.status == PromiseStatus.ACTIVE,
               newer.review_flag.is_(None))
        .order_by(newer.recorded_at.desc(), newer.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def supersede_previous_promises(
    session: Session, new_promise_ids: Iterable[str], now: datetime | None = None
) -> list[str]:
    """Leave one active promise per touched account (the newest); return the superseded ids.

    Set-based: one SELECT and one UPDATE per few thousand accounts. A promise that arrives late
    but was made before the active one is itself superseded by it.
    """
    now = now or utcnow()
    superseded: list[str] = []
    p = PaymentPromise
    for batch in chunks(new_promise_ids):
        accounts = select(p.account_id).where(p.id.in_(batch)).scalar_subquery()
        # A flagged promise (implausible, waiting for a person) neither supersedes nor is
        # superseded until it is cleared.
        stale = and_(p.account_id.in_(accounts), p.status == PromiseStatus.ACTIVE,
                     p.review_flag.is_(None), p.id != _latest_active(p.account_id))
        ids = list(session.scalars(select(p.id).where(stale)))
        if not ids:
            continue
        session.execute(
            update(p)
            .where(p.id.in_(ids), p.status == PromiseStatus.ACTIVE)
            .values(status=PromiseStatus.SUPERSEDED, status_changed_at=now,
                    superseded_by=_latest_active(p.account_id))
            .execution_options(synchronize_session=False)
        )
        record_changes(session, "payment_promises", ids)
        superseded += ids
    return superseded
