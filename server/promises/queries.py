"""Read side of promises: scoped lists and keep rates per collector and team."""

from __future__ import annotations

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from server.auth.service import Principal
from server.models import PaymentPromise, PromiseStatus, Role, User


def _scoped(stmt: Select, principal: Principal) -> Select:
    # Collectors see the promises they took; dispatchers those taken by their team.
    if principal.role == Role.COLLECTOR:
        return stmt.where(PaymentPromise.user_id == principal.user_id)
    if principal.role == Role.DISPATCHER:
        team = select(User.id).where(User.team_id == principal.team_id)
        return stmt.where(PaymentPromise.user_id.in_(team))
    return stmt


def promises_query(filters: dict, principal: Principal) -> Select:
    """Promises matching the filters, soonest due first, within the caller's scope."""
    stmt = select(PaymentPromise).order_by(PaymentPromise.due_on, PaymentPromise.id)
    for name in ("status", "case_id", "account_id"):
        if filters.get(name):
            stmt = stmt.where(getattr(PaymentPromise, name) == filters[name])
    if filters.get("collector_id"):
        stmt = stmt.where(PaymentPromise.user_id == filters["collector_id"])
    if filters.get("due_from"):
        stmt = stmt.where(PaymentPromise.due_on >= filters["due_from"])
    if filters.get("due_to"):
        stmt = stmt.where(PaymentPromise.due_on <= filters["due_to"])
    return _scoped(stmt, principal)


def promise_stats(session: Session, filters: dict, principal: Principal) -> dict:
    """Kept, broken and open promises and the keep rate, per collector and per team.

    The keep rate counts decided promises only (kept / (kept + broken)); promises are taken by
    their due date within [from, to].
    """
    p = PaymentPromise
    counts = [func.sum(case((p.status == s, 1), else_=0)).label(s)
              for s in (PromiseStatus.KEPT, PromiseStatus.BROKEN, PromiseStatus.ACTIVE)]
    # A flagged (implausible) promise counts nowhere until a person has cleared it.
    base = (select(*counts).select_from(p).join(User, User.id == p.user_id)
            .where(p.review_flag.is_(None)))
    if filters.get("team"):
        base = base.where(User.team_id == filters["team"])
    if filters.get("collector"):
        base = base.where(p.user_id == filters["collector"])
    if filters.get("from"):
        base = base.where(p.due_on >= filters["from"])
    if filters.get("to"):
        base = base.where(p.due_on <= filters["to"])
    base = _scoped(base, principal)
    collectors = session.execute(base.add_columns(p.user_id, User.team_id)
                             .group_by(p.user_id, User.team_id).order_by(p.user_id))
    teams = session.execute(base.add_columns(User.team_id).group_by(User.team_id)
                            .order_by(User.team_id))
    return {
        "collectors": [_row(r, collector_id=r.user_id, team_id=r.team_id) for r in collectors],
        "teams": [_row(r, team_id=r.team_id) for r in teams],
    }


def _row(r, **keys) -> dict:
    kept, broken = int(r.kept or 0), int(r.broken or 0)
    rate = round(kept / (kept + broken), 4) if kept + broken else None
    return {**keys, "kept": kept, "broken": broken, "active": int(r.active or 0),
            "keep_rate": rate}
