"""Which cases a caller may read: the dispatch scope decisions, applied to cases."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from server.access import Caller, assigned_to, case_visible
from server.errors import NotFound
from server.models import Case, Role, Visit


def case_readable(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on Case: collectors the cases of their open assignments, dispatchers
    their agency's placed cases, compliance and admins all (server.access)."""
    if caller.role == Role.AGENT:
        return Case.id.in_(select(Visit.case_id).where(assigned_to(caller.user_id)))
    return case_visible(caller)


def readable_case(session: Session, caller: Caller, case_id: str) -> Case:
    """The case if the caller may read it; a foreign case is NotFound like an unknown one."""
    case = session.scalar(select(Case).where(Case.id == case_id, case_readable(caller)))
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case
