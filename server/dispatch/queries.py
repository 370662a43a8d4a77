"""Read side of dispatch: visits the caller may see, with their current assignees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from server.access import Caller, assigned_to, visit_visible
from server.audit.reads import record_read
from server.errors import NotFound
from server.models import Visit, VisitAssignee


@dataclass
class VisitView:
    """A visit as the API shows it: the row, its active assignees, and compliance findings."""

    visit: Visit
    assignees: list[VisitAssignee]
    findings: list[dict[str, Any]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        # Only called for names the dataclass lacks: the visit's own columns.
        return getattr(self.visit, name)


def active_assignees(session: Session, visit_ids: Iterable[str]) -> dict[str, list[VisitAssignee]]:
    """The current assignees of each visit (one query), lead first."""
    ids = list(visit_ids)
    out: dict[str, list[VisitAssignee]] = defaultdict(list)
    if not ids:
        return out
    rows = session.scalars(select(VisitAssignee).where(
        VisitAssignee.visit_id.in_(ids), VisitAssignee.ended_at.is_(None))
        .order_by(VisitAssignee.visit_id, case((VisitAssignee.role == "lead", 0), else_=1),
                  VisitAssignee.assigned_at, VisitAssignee.user_id))
    for row in rows:
        out[row.visit_id].append(row)
    return out


def as_views(session: Session, visits: Sequence[Visit]) -> list[VisitView]:
    """Wrap visits with their assignees, loaded in one query."""
    assignees = active_assignees(session, [v.id for v in visits])
    return [VisitView(v, assignees.get(v.id, [])) for v in visits]


def get_visible_visit(session: Session, caller: Caller, visit_id: str) -> Visit:
    """The visit if the caller may see it; NotFound otherwise (no hint that it exists)."""
    visit = session.scalar(select(Visit).where(Visit.id == visit_id, visit_visible(caller)))
    if visit is None:
        raise NotFound(f"no visit {visit_id!r}")
    return visit


def get_visit_view(session: Session, caller: Caller, visit_id: str) -> VisitView:
    """One visit the caller may see, with its assignees."""
    return as_views(session, [get_visible_visit(session, caller, visit_id)])[0]


def read_visit(session: Session, caller: Caller, visit_id: str) -> VisitView:
    """One visit shown to a person, recorded in the audit trail (the caller commits)."""
    view = get_visit_view(session, caller, visit_id)
    record_read(session, caller.user_id, "visit", visit_id)
    return view


def visits_query(caller: Caller, on: date | None = None, team_id: str | None = None,
                 collector_id: str | None = None, status: str | None = None,
                 case_id: str | None = None) -> Select:
    """The visits the caller may see, filtered, in a stable order."""
    stmt = select(Visit).where(visit_visible(caller))
    if case_id:
        stmt = stmt.where(Visit.case_id == case_id)
    if on is not None:
        stmt = stmt.where(Visit.scheduled_on == on)
    if team_id:
        stmt = stmt.where(Visit.team_id == team_id)
    if collector_id:
        stmt = stmt.where(assigned_to(collector_id))
    if status:
        stmt = stmt.where(Visit.status == status)
    return stmt.order_by(Visit.scheduled_on, Visit.priority.desc(), Visit.id)


def visits_page(session: Session, caller: Caller, filters: dict, pagination) -> list[VisitView]:
    """One page of visible visits; sets `pagination.item_count` for the X-Pagination header."""
    stmt = visits_query(caller, filters.get("date"), filters.get("team"), filters.get("collector"),
                        filters.get("status"), filters.get("case_id"))
    pagination.item_count = session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (pagination.page - 1) * pagination.page_size
    return as_views(session, session.scalars(stmt.offset(offset).limit(pagination.page_size)).all())
