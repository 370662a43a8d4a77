"""Follow-ups people work through: scoped lists, complete, cancel, and revisit → planned visit."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.service import Principal
from server.compliance.inputs import home_address
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.followups.pending import PENDING
from server.models import Case, FollowUp, FollowUpKind, Role, User, Visit, VisitStatus, utcnow

FOLLOW_UP_STATUSES = (PENDING, "open", "done", "cancelled")


def _team_scope(team_id: str | None):
    members = select(User.id).where(User.team_id == team_id)
    teams_visits = select(Visit.id).where(Visit.team_id == team_id)
    return or_(FollowUp.assigned_to.in_(members), FollowUp.visit_id.in_(teams_visits))


def follow_ups_query(filters: dict, principal: Principal) -> Select:
    """Follow-ups in the caller's scope (collectors: assigned to them; dispatchers: their
    team's)."""
    stmt = select(FollowUp).order_by(FollowUp.due_at, FollowUp.id)
    if principal.role == Role.COLLECTOR:
        stmt = stmt.where(FollowUp.assigned_to == principal.user_id)
    elif principal.role == Role.DISPATCHER:
        stmt = stmt.where(_team_scope(principal.team_id))
    for name in ("status", "kind", "case_id"):
        if filters.get(name):
            stmt = stmt.where(getattr(FollowUp, name) == filters[name])
    if filters.get("due_before"):
        stmt = stmt.where(FollowUp.due_at < filters["due_before"])
    if filters.get("collector_id"):
        stmt = stmt.where(FollowUp.assigned_to == filters["collector_id"])
    if filters.get("team_id"):
        stmt = stmt.where(_team_scope(filters["team_id"]))
    return stmt


def _open_in_scope(session: Session, follow_up_id: str, principal: Principal,
                   pending_ok: bool = False) -> FollowUp:
    row = session.scalar(follow_ups_query({}, principal).where(FollowUp.id == follow_up_id))
    if row is None:
        raise NotFound(f"no follow-up {follow_up_id!r}")
    if row.status == PENDING and not pending_ok:
        raise Conflict("the follow-up is pending: the compliance rules have not timed it yet "
                       "(the promise monitor does within minutes); it can only be cancelled")
    if row.status not in ("open", PENDING):
        raise Conflict(f"the follow-up is already {row.status}")
    return row


def complete_follow_up(session: Session, follow_up_id: str, resolution: str,
                       principal: Principal) -> FollowUp:
    """Mark an open follow-up done with its resolution."""
    row = _open_in_scope(session, follow_up_id, principal)
    row.status, row.resolution, row.completed_at = "done", resolution, utcnow()
    session.flush()
    _audit(session, principal, "follow_up.complete", row, {"resolution": resolution})
    return row


def cancel_follow_up(session: Session, follow_up_id: str, reason: str,
                     principal: Principal) -> FollowUp:
    """Cancel an open or pending follow-up, saying why (the promise monitor only times rows
    still pending, so a cancelled one stays cancelled)."""
    if principal.role == Role.COLLECTOR:
        raise Forbidden("only dispatchers and officers cancel follow-ups")
    row = _open_in_scope(session, follow_up_id, principal, pending_ok=True)
    row.status, row.resolution, row.completed_at = "cancelled", reason, utcnow()
    session.flush()
    _audit(session, principal, "follow_up.cancel", row, {"reason": reason})
    return row


def plan_revisit(session: Session, follow_up_id: str, on: date, principal: Principal) -> Visit:
    """Turn an open revisit follow-up into a planned visit to the debtor's home on `on`."""
    row = _open_in_scope(session, follow_up_id, principal)
    if row.kind != FollowUpKind.REVISIT:
        raise Conflict("only revisit follow-ups become visits")
    if on < utcnow().date() - timedelta(days=1):  # a day of slack for zones ahead of UTC
        raise InvalidInput("the visit date is in the past", {"on": "must not be in the past"})
    case = session.get(Case, row.case_id)
    address = home_address(session, case.debtor_id)
    if address is None:
        raise Conflict("the debtor has no home address to visit")
    earlier = session.get(Visit, row.visit_id) if row.visit_id else None
    visit = Visit(case_id=case.id, address_id=address.id, status=VisitStatus.PLANNED,
                  scheduled_on=on, mandatory=True, purpose="revisit",
                  team_id=principal.team_id or (earlier.team_id if earlier else None),
                  created_by=principal.user_id)
    session.add(visit)
    session.flush()
    row.status, row.completed_at = "done", utcnow()
    row.resolution = f"visit {visit.id} planned for {on}"
    session.flush()
    _audit(session, principal, "follow_up.visit", row, {"visit_id": visit.id,
                                                        "on": on.isoformat()})
    return visit


def _audit(session: Session, principal: Principal, action: str, row: FollowUp,
           detail: dict) -> None:
    audit.record(session, principal.user_id, action, "follow_up", row.id,
                 {"case_id": row.case_id, "visit_id": row.visit_id, **detail})
