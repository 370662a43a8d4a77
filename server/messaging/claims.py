"""Claiming outbox rows before sending, and settling claims a crashed run left behind.

A run claims a batch in one UPDATE (status `sending`, a claim token, a lease) and commits
before it sends anything, so two runs never send the same row. A claim whose lease ran out
belongs to a run that died mid-batch: on a provider that drops repeated idempotency keys the
row is simply claimed again (the resend is dropped at the provider); on one that does not, it
becomes `unknown`, because resending could reach the debtor twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.sql import dialect
from server.messaging import states
from server.messaging.gateway import Gateway, NoProvider
from server.models import OutboxMessage

OM = OutboxMessage
CLAIMED_COLUMNS = (OM.id, OM.case_id, OM.channel, OM.recipient, OM.template, OM.body,
                   OM.params, OM.attempts, OM.claimed_by)


def claim_batch(session: Session, now: datetime, size: int, lease: timedelta,
                token: str) -> list:
    """Claim up to `size` due pending messages for `token`; returns the claimed rows."""
    due = (select(OM.id).where(OM.status == states.PENDING, OM.due_at <= now)
           .order_by(OM.due_at, OM.id).limit(size))
    if dialect(session) == "postgresql":
        # Locked rows another run is claiming are skipped; the CTE is evaluated exactly once
        # (a LIMIT subquery under IN may be re-run by the planner and claim more than `size`).
        due = select(due.with_for_update(skip_locked=True).cte("due").c.id)
    t = OM.__table__
    claimed = session.execute(
        update(t).where(t.c.id.in_(due), t.c.status == states.PENDING)
        .values(status=states.SENDING, claimed_by=token, lease_until=now + lease,
                attempts=t.c.attempts + 1)
        .returning(*(t.c[c.key] for c in CLAIMED_COLUMNS), t.c.due_at)).all()
    return sorted(claimed, key=lambda row: (row.due_at, row.id))


def settle_expired_claims(session: Session, gateway: Gateway, now: datetime) -> dict[str, int]:
    """Claims past their lease: claimable again where the provider is idempotent, else
    `unknown` for a person; counts of each."""
    counts = {"reclaimed": 0, "unknown": 0}
    channels = session.scalars(select(OM.channel).where(
        OM.status == states.SENDING, OM.lease_until < now).distinct()).all()
    for channel in channels:
        try:
            provider = gateway.provider_for(channel)
            safe, name = provider.idempotent, provider.name
        except NoProvider:
            safe, name = False, "none"
        values = ({"status": states.PENDING, "due_at": now} if safe else
                  {"status": states.UNKNOWN,
                   "last_error": f"send interrupted at {name}, which has no idempotency key: "
                                 "check with the provider before retrying"})
        counts["reclaimed" if safe else "unknown"] += session.execute(
            update(OM).where(OM.status == states.SENDING, OM.lease_until < now,
                             OM.channel == channel)
            .values(claimed_by=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)).rowcount
    return counts
