"""Implausible field money (a payment or promise above the balance) waiting for a person.

The push stores such facts with a `review_flag`; until a reviewer clears it the promise
neither supersedes the active one nor is decided, and the payment keeps no promise.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select, union_all, update
from sqlalchemy.orm import Session

from server.access import Caller
from server.audit import service as audit
from server.audit.reads import record_list
from server.db.feed import record_changes
from server.errors import InvalidInput, NotFound
from server.models import Payment, PaymentPromise, Role, User
from server.promises.lifecycle import supersede_previous_promises

MODELS = {"payment_promises": PaymentPromise, "payments": Payment}


def _flagged(model, table: str, reviewer: Caller):
    stmt = select(literal(table).label("table_name"), model.id, model.case_id,
                  model.account_id, model.user_id, model.amount, model.currency,
                  model.review_flag, model.recorded_at).where(model.review_flag.is_not(None))
    if reviewer.role == Role.DISPATCHER:
        stmt = stmt.where(model.user_id.in_(select(User.id).where(
            User.team_id == reviewer.team_id)))
    return stmt


def flagged_facts(reviewer: Caller, table: str | None = None):
    """Flagged payments and promises the reviewer may see (a dispatcher: their team's)."""
    parts = [_flagged(model, name, reviewer) for name, model in MODELS.items()
             if table in (None, name)]
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    sub = stmt.subquery()
    return select(sub).order_by(sub.c.recorded_at.desc(), sub.c.id)


def list_flagged(session: Session, reviewer: Caller, table: str | None, page: int,
                 size: int) -> tuple[list[dict], int]:
    """One page of flagged facts and the total; the ids shown are audited (one event)."""
    stmt = flagged_facts(reviewer, table)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = [r._asdict() for r in session.execute(stmt.offset((page - 1) * size).limit(size))]
    record_list(session, reviewer.user_id, "review_flag", [r["id"] for r in rows],
                {"table": table, "page": page})
    return rows, total


def clear_flag(session: Session, reviewer: Caller, table: str, row_id: str, note: str,
               now: datetime) -> dict:
    """Clear one flag after review (audited); a cleared promise then takes part as any other."""
    if not note or not note.strip():
        raise InvalidInput("a note is required", {"note": ["required"]})
    model = MODELS[table]
    row = session.execute(_flagged(model, table, reviewer).where(model.id == row_id)).first()
    if row is None:
        raise NotFound("no such flagged fact")
    session.execute(update(model).where(model.id == row_id).values(review_flag=None))
    audit.record(session, reviewer.user_id, "review_flag.clear", table, row_id,
                 {"flag": row.review_flag, "note": note.strip()[:500]}, now)
    if table == "payment_promises":
        supersede_previous_promises(session, [row_id], now)
        record_changes(session, table, [row_id])
    return {**row._asdict(), "review_flag": None}
