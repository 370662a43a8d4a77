"""Today's board: a team's visits of one day with case, debtor, place and collectors, and the
counts by status, in a fixed number of queries whatever the number of visits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.access import Caller, sees_everything
from server.audit.reads import record_list
from server.dispatch.queries import visits_query
from server.dispatch.workload import find_team
from server.models import Address, Case, Party, Role, Team, User, Visit, VisitAssignee


@dataclass
class Board:
    """One day of visits as the board shows them."""

    day: date
    team: Team | None
    teams: list[Team]
    rows: list[dict]
    counts: dict[str, int]
    collectors: list[dict] = field(default_factory=list)


def visible_teams(session: Session, caller: Caller) -> list[Team]:
    """The teams the caller may plan for or watch (a collector: their own)."""
    stmt = select(Team).order_by(Team.code)
    if caller.role == Role.COLLECTOR:
        stmt = stmt.where(Team.id == caller.team_id)
    elif not sees_everything(caller):
        stmt = stmt.where(Team.agency_id == caller.agency_id)
    return list(session.scalars(stmt))


def _rows(session: Session, visits) -> list[dict]:
    ids = visits.with_only_columns(Visit.id).order_by(None)
    stmt = (select(Visit.id, Visit.status, Visit.version, Visit.priority, Visit.mandatory,
                   Visit.required_collectors, Visit.window_start, Visit.window_end,
                   Visit.purpose, Visit.case_id, Case.external_id.label("case_ref"),
                   Party.full_name.label("debtor"), Address.district, Address.raw_text,
                   Address.lat, Address.lng, Address.time_zone)
            .join(Case, Case.id == Visit.case_id).join(Party, Party.id == Case.debtor_id)
            .join(Address, Address.id == Visit.address_id)
            .where(Visit.id.in_(ids))
            .order_by(Visit.priority.desc(), Case.external_id, Visit.id))
    rows = [dict(r._mapping, collectors=[]) for r in session.execute(stmt)]
    by_id = {r["id"]: r for r in rows}
    names = session.execute(
        select(VisitAssignee.visit_id, User.id, User.display_name, User.username)
        .join(User, User.id == VisitAssignee.user_id)
        .where(VisitAssignee.visit_id.in_(ids), VisitAssignee.ended_at.is_(None))
        .order_by(VisitAssignee.visit_id, VisitAssignee.role, User.username))
    for visit_id, uid, display, username in names:
        by_id[visit_id]["collectors"].append({"id": uid, "name": display or username})
    return rows


def team_board(session: Session, caller: Caller, day: date, team: Team | None,
               status: str | None = None, collector_id: str | None = None) -> Board:
    """The visits of `day` the caller may see (of one team), filtered; the ids shown audited."""
    base = visits_query(caller, day, team.id if team else None, collector_id)
    counts = Counter(dict(session.execute(
        select(Visit.status, func.count()).where(
            Visit.id.in_(base.with_only_columns(Visit.id).order_by(None)))
        .group_by(Visit.status)).all()))
    shown = base.where(Visit.status == status) if status else base
    rows = _rows(session, shown)
    record_list(session, caller.user_id, "visit", [r["id"] for r in rows],
                {"date": str(day), "team": team.id if team else None, "status": status,
                 "collector": collector_id, "screen": "board"})
    return Board(day, team, visible_teams(session, caller), rows, dict(counts),
                 team_collectors(session, team) if team else [])


def team_collectors(session: Session, team: Team) -> list[dict]:
    """The team's active collectors, by name."""
    users = session.execute(select(User.id, User.display_name, User.username).where(
        User.team_id == team.id, User.role == Role.COLLECTOR, User.active.is_(True))
        .order_by(User.username))
    return [{"id": uid, "name": display or username} for uid, display, username in users]



def board_team(session: Session, caller: Caller, ref: str | None) -> Team | None:
    """The team a board shows: a collector's own; else the one asked for (id or code, in the
    caller's agency), the caller's own, or their first visible team."""
    if caller.role == Role.COLLECTOR or not ref:
        ref = caller.team_id
    if ref:
        return find_team(session, caller, ref)
    return next(iter(visible_teams(session, caller)), None)
