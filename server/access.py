"""Who may see what, for every entrypoint: one caller type; agencies see the cases placed with
them, collectors their own visits, admins and compliance officers everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, Select, exists, select, true
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Case, Placement, Role, Visit, VisitAssignee


class Caller(Protocol):
    """The parts of the authenticated principal that scoping reads."""

    user_id: str
    role: str
    agency_id: str | None
    team_id: str | None


@dataclass(frozen=True)
class Operator:
    """The command line and the scheduler act for the operator: unscoped like an admin, with
    no user id (what they do is audited with no actor)."""

    user_id: str | None = None
    role: str = Role.ADMIN
    agency_id: str | None = None
    team_id: str | None = None


OPERATOR = Operator()


def placed_with(agency_id: str | None) -> Select:
    """Ids of the cases placed with an agency now (placements not returned)."""
    return select(Placement.case_id).where(Placement.agency_id == agency_id,
                                           Placement.returned_at.is_(None))


def sees_everything(caller: Caller) -> bool:
    """Admins and compliance officers are not scoped to an agency."""
    return caller.role in (Role.ADMIN, Role.COMPLIANCE)


def case_visible(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on Case.id: the cases the caller's agency may work."""
    if sees_everything(caller):
        return true()
    return Case.id.in_(placed_with(caller.agency_id))


def assigned_to(user_id: str) -> ColumnElement[bool]:
    """A WHERE clause on Visit: the visits the user is assigned to now."""
    return exists().where(VisitAssignee.visit_id == Visit.id, VisitAssignee.user_id == user_id,
                          VisitAssignee.ended_at.is_(None))


def visit_visible(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on Visit: collectors their own, dispatchers their agency's, others all."""
    if caller.role == Role.COLLECTOR:
        return assigned_to(caller.user_id)
    if sees_everything(caller):
        return true()
    return Visit.case_id.in_(placed_with(caller.agency_id))


def case_readable(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on Case: collectors the cases of their open assignments, dispatchers
    their agency's placed cases, compliance and admins all."""
    if caller.role == Role.COLLECTOR:
        return Case.id.in_(select(Visit.case_id).where(assigned_to(caller.user_id)))
    return case_visible(caller)


def readable_case(session: Session, caller: Caller, case_id: str) -> Case:
    """The case if the caller may read it; a foreign case is NotFound like an unknown one."""
    case = session.scalar(select(Case).where(Case.id == case_id, case_readable(caller)))
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case


def visible_case_id(session: Session, caller: Caller, case_id: str) -> str:
    """The case id if the caller's agency may work the case; NotFound otherwise (no hint)."""
    if session.scalar(select(Case.id).where(Case.id == case_id, case_visible(caller))) is None:
        raise NotFound(f"no case {case_id!r}")
    return case_id
