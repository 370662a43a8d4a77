"""How loaded each collector is on a day: visits, money at stake, capacity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from server.access import Caller, sees_everything
from server.errors import NotFound
from server.models import Account, Role, Team, User, Visit, VisitAssignee, VisitStatus


def outstanding_by_case() -> Select:
    """A subquery: each case's total outstanding amount."""
    return (select(Account.case_id, func.sum(Account.outstanding).label("amount"))
            .group_by(Account.case_id).subquery())


def loads(session: Session, on: date, user_ids: Iterable[str]) -> dict[str, tuple[int, Decimal]]:
    """Per collector: visits actively assigned on `on` (not cancelled) and their outstanding."""
    ids = list(user_ids)
    if not ids:
        return {}
    money = outstanding_by_case()
    stmt = (select(VisitAssignee.user_id, func.count(Visit.id),
                   func.coalesce(func.sum(money.c.amount), 0))
            .join(Visit, Visit.id == VisitAssignee.visit_id)
            .outerjoin(money, money.c.case_id == Visit.case_id)
            .where(VisitAssignee.user_id.in_(ids), VisitAssignee.ended_at.is_(None),
                   Visit.scheduled_on == on, Visit.status != VisitStatus.CANCELLED)
            .group_by(VisitAssignee.user_id))
    return {uid: (count, Decimal(amount)) for uid, count, amount in session.execute(stmt)}


def find_team(session: Session, caller: Caller, ref: str) -> Team:
    """A team by id or code, if the caller's agency runs it."""
    team = session.scalar(select(Team).where(or_(Team.id == ref, Team.code == ref)))
    if team is None or not (sees_everything(caller) or team.agency_id == caller.agency_id):
        raise NotFound(f"no team {ref!r}", {"team": ["no such team in your agency"]})
    return team


def workload(session: Session, caller: Caller, on: date, team_ref: str | None = None) -> list:
    """Per collector of the team (or the caller's agency): count, amount, capacity, overbooked."""
    stmt = select(User).where(User.role == Role.COLLECTOR, User.active.is_(True))
    if team_ref:
        stmt = stmt.where(User.team_id == find_team(session, caller, team_ref).id)
    elif not sees_everything(caller):
        stmt = stmt.where(User.agency_id == caller.agency_id)
    users = session.scalars(stmt.order_by(User.username)).all()
    found = loads(session, on, [u.id for u in users])
    rows = []
    for u in users:
        count, amount = found.get(u.id, (0, Decimal("0")))
        rows.append({"user_id": u.id, "username": u.username, "display_name": u.display_name,
                     "team_id": u.team_id, "date": on, "visits": count, "outstanding": amount,
                     "capacity": u.daily_capacity, "remaining": max(u.daily_capacity - count, 0),
                     "overbooked": count > u.daily_capacity})
    return rows
