"""Facts whose after-effects failed: queued alone with their error, listed for dispatchers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit.reads import record_list
from server.db.bulk import in_values
from server.facts.deferred import MAX_ATTEMPTS
from server.models import FactEffect, Role, User
from server.sync.tables import SYNC_TABLES

LIMIT = 1000  # failures are rare; more than this is an outage, seen in the metric


def failed_effects(session: Session, actor_id: str, role: str, team_id: str | None) -> list:
    """Failed facts the caller may see (a dispatcher: their team's collectors'), newest first.

    One query for the queue, one per fact table for whose and which visit; the answer is
    audited (it names facts about debtors).
    """
    queued = session.execute(select(FactEffect).where(FactEffect.attempts > 0)
                             .order_by(FactEffect.id.desc()).limit(LIMIT)).scalars().all()
    wanted: dict[str, set[str]] = {}
    for item in queued:
        for table, ids in item.facts.items():
            wanted.setdefault(table, set()).update(ids)
    about = {}
    for table, ids in wanted.items():
        t = SYNC_TABLES[table].table  # every effect table's facts name their visit
        for fact_id, visit_id, user_id in session.execute(
                select(t.c.id, t.c.visit_id, t.c.user_id).where(in_values(session, t.c.id,
                                                                          ids))):
            about[table, fact_id] = (visit_id, user_id)
    team = None
    if role == Role.DISPATCHER:
        team = set(session.scalars(select(User.id).where(User.team_id == team_id)))
    rows = []
    for item in queued:
        for table, ids in item.facts.items():
            for fact_id in ids:
                visit_id, user_id = about.get((table, fact_id), (None, None))
                if team is not None and user_id not in team:
                    continue
                rows.append({"queue_id": item.id, "table": table, "fact_id": fact_id,
                             "visit_id": visit_id, "user_id": user_id,
                             "attempts": item.attempts, "last_error": item.last_error,
                             "state": "failed" if item.attempts >= MAX_ATTEMPTS else "retrying",
                             "queued_at": item.created_at})
    record_list(session, actor_id, "fact_effects", [r["fact_id"] for r in rows])
    return rows
