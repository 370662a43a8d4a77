"""Import reports a caller may read: staff their own agency's imports, officers and admins all."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import ImportRun, Role, User


def run_visible(caller) -> ColumnElement[bool]:
    """A WHERE clause on ImportRun: rejected rows name debtors, so agencies see only their own."""
    if caller.role in (Role.ADMIN, Role.COMPLIANCE):
        return true()
    return ImportRun.user_id.in_(select(User.id).where(User.agency_id == caller.agency_id))


def visible_runs(stmt: Select, caller) -> Select:
    """Narrow a select of import runs to the caller's."""
    return stmt.where(run_visible(caller))


def get_visible_run(session: Session, caller, run_id: str) -> ImportRun:
    """One import report the caller may read, else NotFound (no hint that it exists)."""
    run = session.scalar(select(ImportRun).where(ImportRun.id == run_id, run_visible(caller)))
    if run is None:
        raise NotFound(f"no import has the id {run_id!r}")
    return run
