"""Escalation: a visit still assigned N days after its date becomes a review for the dispatcher."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from server.db.sql import insert_ignore, new_id_sql
from server.models import FollowUp, FollowUpKind, Visit, VisitStatus
from server.models.base import UTCDateTime

STALE = (VisitStatus.ASSIGNED, VisitStatus.IN_PROGRESS)


def escalate_stale_visits(session: Session, today: date, days: int, now: datetime) -> dict:
    """One review follow-up per visit assigned but not completed `days` after scheduled_on."""
    v = Visit.__table__.c
    at = literal(now, UTCDateTime())
    source = select(
        new_id_sql(session), v.case_id, v.id, literal(FollowUpKind.REVIEW), at,
        literal(f"visit not completed {days} days after its date"), literal("open"),
        literal("stale:") + v.id, at, at,
    ).where(v.status.in_(STALE), v.scheduled_on <= today - timedelta(days=days))
    columns = ["id", "case_id", "visit_id", "kind", "due_at", "reason", "status", "dedupe_key",
               "created_at", "updated_at"]
    return {"follow_ups": insert_ignore(session, FollowUp.__table__, source, columns)}
