"""When a case's work ends (settled, returned 退案, recalled): close what is open, set-based.

Open visits are cancelled with the reason and their collectors' assignments end (so every
device holding the case gets its tombstones on the next pull), open and pending follow-ups
are cancelled, queued reminders withdrawn, active promises cancelled. A case that leaves
Doorstep (settled, returned) is closed now: `closed_at` starts the retention clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.db.feed import record_changes
from server.db.sql import chunks
from server.followups.pending import PENDING
from server.models import (
    Account,
    Case,
    CaseStatus,
    FollowUp,
    OutboxMessage,
    PaymentPromise,
    Placement,
    PromiseStatus,
    Visit,
    VisitAssignee,
    VisitStatus,
)

WITHDRAWN = "withdrawn"  # an outbox message that must no longer be sent


def close_case_work(session: Session, case_ids: Iterable[str], reason: str,
                    now: datetime) -> dict[str, int]:
    """Close the open work of these cases with `reason`; returns counts per kind of row."""
    counts = dict.fromkeys(("visits", "assignments", "follow_ups", "reminders", "promises"), 0)
    for batch in chunks(sorted(set(case_ids))):
        counts["visits"] += _set(session, Visit, and_(
            Visit.case_id.in_(batch), Visit.status.in_(VisitStatus.OPEN)),
            status=VisitStatus.CANCELLED, cancel_reason=reason[:200], updated_at=now,
            version=Visit.version + 1)
        of_case = select(Visit.id).where(Visit.case_id.in_(batch))
        counts["assignments"] += _set(session, VisitAssignee, and_(
            VisitAssignee.visit_id.in_(of_case), VisitAssignee.ended_at.is_(None)), ended_at=now)
        counts["follow_ups"] += _set(session, FollowUp, and_(
            FollowUp.case_id.in_(batch), FollowUp.status.in_(("open", PENDING))),
            status="cancelled", resolution=reason[:300], completed_at=now, updated_at=now,
            feed=False)
        counts["reminders"] += _set(session, OutboxMessage, and_(
            OutboxMessage.case_id.in_(batch), OutboxMessage.status == "pending"),
            status=WITHDRAWN, feed=False)
        counts["promises"] += _set(session, PaymentPromise, and_(
            PaymentPromise.case_id.in_(batch), PaymentPromise.status == PromiseStatus.ACTIVE),
            status=PromiseStatus.CANCELLED, status_changed_at=now)
    return counts


def end_cases(session: Session, case_ids: Iterable[str], status: str, reason: str,
              now: datetime, actor_id: str | None) -> dict[str, int]:
    """Settle or return cases: close their work and placements, start the retention clock."""
    ids = sorted(set(case_ids))
    counts = close_case_work(session, ids, reason, now)
    for batch in chunks(ids):
        _set(session, Placement, and_(Placement.case_id.in_(batch),
                                      Placement.returned_at.is_(None)), returned_at=now,
             feed=False)
        _set(session, Case, Case.id.in_(batch), status=status, closed_at=now,
             last_activity_at=now, updated_at=now)
    if ids:
        audit.record(session, actor_id, f"case.{status}", "case", None,
                     {"case_ids": ids[:1000], "count": len(ids), "reason": reason, **counts})
    return counts


def settle_paid_off(session: Session, account_ids: Iterable[str], now: datetime,
                    actor_id: str | None) -> list[str]:
    """Cases of these accounts whose every account is at zero are settled (balance zero)."""
    candidates = {c for batch in chunks(sorted(set(account_ids))) for c in session.scalars(
        select(Account.case_id).where(Account.id.in_(batch)))}
    settled = []
    for batch in chunks(sorted(candidates)):
        owing = select(Account.case_id).where(Account.case_id.in_(batch),
                                              Account.outstanding > 0)
        settled += session.scalars(select(Case.id).where(
            Case.id.in_(batch), Case.id.not_in(owing),
            Case.status.in_((CaseStatus.OPEN, CaseStatus.PAUSED))))
    end_cases(session, settled, CaseStatus.SETTLED, "settled: balance paid to zero", now,
              actor_id)
    return settled


def _set(session: Session, model, where, feed: bool = True, **values) -> int:
    table = model.__table__
    ids = session.execute(update(table).where(where).values(**values)
                          .returning(table.c.id)).scalars().all()
    if feed:
        record_changes(session, table.name, ids)
    return len(ids)



