"""Daily dpd/bucket recompute from `due_since`: one UPDATE for every account that changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, literal, or_, update
from sqlalchemy.orm import Session

from server.db.feed import record_changes
from server.db.sql import day_diff
from server.models import Account

# (upper dpd bound, bucket): M0 not overdue, M1 1-30, M2 31-60 … M5 121-150, M6+ from 151.
BUCKETS = ((0, "M0"), (30, "M1"), (60, "M2"), (90, "M3"), (120, "M4"), (150, "M5"))
OLDEST = "M6+"


def bucket_of(dpd: int) -> str:
    """The bucket of a dpd value (the same table the SQL uses)."""
    return next((name for bound, name in BUCKETS if dpd <= bound), OLDEST)


def recompute_dpd(session: Session, today: date) -> dict[str, int]:
    """Set dpd = days since `due_since` (0 when not overdue) and its bucket, as of `today`."""
    a = Account.__table__
    overdue = day_diff(session, literal(today), a.c.due_since)
    dpd = case((or_(a.c.due_since.is_(None), a.c.due_since >= today), 0), else_=overdue)
    bucket = case(*[(dpd <= bound, name) for bound, name in BUCKETS], else_=OLDEST)
    changed = session.execute(
        update(a).where(or_(a.c.dpd != dpd, a.c.bucket != bucket))
        .values(dpd=dpd, bucket=bucket).returning(a.c.id)
    ).scalars().all()
    record_changes(session, "accounts", changed)
    return {"accounts_changed": len(changed)}
