"""Complaints (投诉): intake, the regulatory clock from the case's profile, a handler who is
never a person complained about, escalation before the clock runs out, the final response."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.access import Caller, case_readable, readable_case
from server.audit import service as audit
from server.cases.request_values import COMPLAINT_CATEGORIES
from server.compliance.effective import ProfileResolver
from server.db.bulk import in_values
from server.db.sql import insert_ignore
from server.errors import InvalidInput, NotFound
from server.models import (
    Case,
    Complaint,
    ComplaintStatus,
    FollowUp,
    Placement,
    Role,
    User,
    Visit,
    VisitAssignee,
    new_id,
)

CATEGORIES = COMPLAINT_CATEGORIES
# While one of these is open the case is not assigned to the collectors it names.
CONDUCT = ("conduct", "harassment")
APPROVERS = (Role.COMPLIANCE, Role.ADMIN)  # who may approve the one extension


def _days(profile, name: str, field: str) -> int:
    days = getattr(profile, name)
    if days is None:
        raise InvalidInput(f"the case's rules set no {name}", {field: ["not under these rules"]})
    return days


def _check_handler(session: Session, complaint: Complaint, handler_id: str | None) -> None:
    if handler_id is None:
        return
    if handler_id in complaint.subject_user_ids:
        raise InvalidInput("a person complained about cannot handle the complaint",
                           {"handler_id": ["complained about: recused"]})
    user = session.get(User, handler_id)
    if user is None or not user.active or user.role == Role.COLLECTOR:
        raise InvalidInput("the handler must be active staff", {"handler_id": ["not staff"]})


def open_complaint(session: Session, caller: Caller, case_id: str, spec: Mapping[str, Any],
                   now: datetime) -> Complaint:
    """Take a complaint in; its decision is due after the profile's complaint_decide_days."""
    return take_complaint(session, caller.user_id, readable_case(session, caller, case_id),
                          spec, now)


def take_complaint(session: Session, actor_id: str, case: Case, spec: Mapping[str, Any],
                   now: datetime) -> Complaint:
    """A complaint about a case the actor may act on (staff, or a collector at the door)."""
    subjects = list(dict.fromkeys(spec.get("subject_user_ids") or ()))
    if spec.get("visit_id"):
        if session.scalar(select(Visit.case_id).where(Visit.id == spec["visit_id"])) != case.id:
            raise InvalidInput("not a visit of this case", {"visit_id": ["not this case's"]})
        if not subjects:  # about a visit: its collectors, unless named otherwise
            subjects = list(session.scalars(select(VisitAssignee.user_id).where(
                VisitAssignee.visit_id == spec["visit_id"]).order_by(VisitAssignee.user_id)))
    known = set(session.scalars(select(User.id).where(User.id.in_(subjects))))
    if set(subjects) - known:
        raise InvalidInput("unknown users", {"subject_user_ids": sorted(set(subjects) - known)})
    days = ProfileResolver(session).for_case(case).complaint_decide_days
    complaint = Complaint(case_id=case.id, visit_id=spec.get("visit_id"),
                          category=spec["category"], channel=spec.get("channel", "staff"),
                          description=spec["description"], subject_user_ids=subjects,
                          recorded_by=actor_id, received_at=now,
                          due_at=now + timedelta(days=days) if days else None)
    _check_handler(session, complaint, spec.get("handler_id"))
    complaint.handler_id = spec.get("handler_id")
    session.add(complaint)
    session.flush()
    audit.record(session, actor_id, "complaint.open", "complaint", complaint.id,
                 {"case_id": case.id, "category": complaint.category,
                  "subjects": subjects}, now=now)
    return complaint


def readable_complaint(session: Session, caller: Caller, complaint_id: str) -> Complaint:
    """The complaint if its case is readable by the caller, else NotFound."""
    found = session.scalar(select(Complaint).join(Case, Case.id == Complaint.case_id).where(
        Complaint.id == complaint_id, case_readable(caller)))
    if found is None:
        raise NotFound(f"no complaint {complaint_id!r}")
    return found


def update_complaint(session: Session, caller: Caller, complaint_id: str,
                     changes: Mapping[str, Any], now: datetime) -> Complaint:
    """Assign a handler, acknowledge, investigate, mark complex (longer clock), extend once
    (compliance or admin approval), resolve with the final response, or withdraw."""
    c = readable_complaint(session, caller, complaint_id)
    if c.status not in ComplaintStatus.OPEN:
        raise InvalidInput(f"the complaint is {c.status}", {"status": ["closed"]})
    profile = ProfileResolver(session).for_case(session.get(Case, c.case_id))
    if "handler_id" in changes:
        _check_handler(session, c, changes["handler_id"])
        c.handler_id = changes["handler_id"]
    if changes.get("complex") and not c.complex:
        c.complex = True
        c.due_at = c.received_at + timedelta(
            days=_days(profile, "complaint_complex_days", "complex"))
    if changes.get("extend"):
        if caller.role not in APPROVERS:
            raise InvalidInput("an extension needs a compliance officer's approval",
                               {"extend": ["compliance or admin only"]})
        if c.extended_by is not None or c.due_at is None:
            raise InvalidInput("the clock was extended already", {"extend": ["once only"]})
        c.due_at += timedelta(days=_days(profile, "complaint_extension_days", "extend"))
        c.extended_by, c.escalated_at = caller.user_id, None
    _status(c, changes, now)
    audit.record(session, caller.user_id, "complaint.update", "complaint", c.id,
                 {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                  for k, v in changes.items()}, now=now)
    return c


def _status(c: Complaint, changes: Mapping[str, Any], now: datetime) -> None:
    status = changes.get("status")
    if "upheld" in changes and status != ComplaintStatus.RESOLVED:
        raise InvalidInput("upheld is decided when resolving", {"upheld": ["resolve with it"]})
    if status is None:
        return
    if status == ComplaintStatus.RESOLVED:
        if not changes.get("final_response"):
            raise InvalidInput("a resolution needs the final response",
                               {"final_response": ["required to resolve"]})
        if c.handler_id is None:
            raise InvalidInput("assign a handler first", {"handler_id": ["required"]})
        c.final_response, c.resolved_at = changes["final_response"], now
        c.upheld = changes.get("upheld")
    if status != ComplaintStatus.RECEIVED and c.acknowledged_at is None:
        c.acknowledged_at = now
    c.status = status


def complaints_query(caller: Caller, filters: Mapping[str, Any]) -> Select:
    """Complaints on cases the caller may read, soonest due first."""
    stmt = select(Complaint).join(Case, Case.id == Complaint.case_id).where(case_readable(caller))
    if filters.get("status"):
        stmt = stmt.where(Complaint.status == filters["status"])
    if filters.get("open") is not None:
        is_open = Complaint.status.in_(ComplaintStatus.OPEN)
        stmt = stmt.where(is_open if filters["open"] else ~is_open)
    if filters.get("case_id"):
        stmt = stmt.where(Complaint.case_id == filters["case_id"])
    if filters.get("category"):
        stmt = stmt.where(Complaint.category == filters["category"])
    return stmt.order_by(Complaint.due_at.asc().nulls_last(), Complaint.id)


def conduct_subjects(session: Session, case_ids: Iterable[str]) -> dict[str, set[str]]:
    """Per case, the collectors named in its open conduct or harassment complaints."""
    out: dict[str, set[str]] = defaultdict(set)
    ids = list(case_ids)
    if not ids:
        return out
    for case_id, subjects in session.execute(select(Complaint.case_id, Complaint.subject_user_ids)
                                             .where(in_values(session, Complaint.case_id, ids),
                                                    Complaint.category.in_(CONDUCT),
                                                    Complaint.status.in_(ComplaintStatus.OPEN))):
        out[case_id].update(subjects or ())
    return out


def escalate_complaints(session: Session, now: datetime, warn_days: int = 3) -> dict:
    """Open complaints due within `warn_days` and not yet escalated: a review follow-up for
    their handler (or the compliance queue), once per clock."""
    due = list(session.scalars(select(Complaint).where(
        Complaint.status.in_(ComplaintStatus.OPEN), Complaint.escalated_at.is_(None),
        Complaint.due_at.is_not(None), Complaint.due_at <= now + timedelta(days=warn_days))))
    rows = []
    for c in due:
        c.escalated_at = now
        rows.append({"id": new_id(), "case_id": c.case_id, "kind": "review", "status": "open",
                     "due_at": min(c.due_at, now), "assigned_to": c.handler_id,
                     "reason": f"complaint due {c.due_at:%Y-%m-%d %H:%M} UTC: decide, or mark "
                               "complex / extend with approval",
                     "dedupe_key": f"complaint:{c.id}:{c.due_at:%Y%m%d%H%M}",
                     "created_at": now, "updated_at": now})
    session.flush()
    # Keyed by complaint and deadline: a second run (or a second process) adds nothing.
    insert_ignore(session, FollowUp.__table__, rows)
    return {"escalated": len(due)}


def complaint_counts(session: Session, caller: Caller) -> dict:
    """Open and all complaints per collector complained about, and per agency the case is
    placed with now, over the complaints the caller may read."""
    readable = select(Complaint.id, Complaint.case_id, Complaint.status,
                      Complaint.subject_user_ids).join(Case, Case.id == Complaint.case_id) \
        .where(case_readable(caller)).subquery()
    collectors: dict[str, dict] = defaultdict(lambda: {"open": 0, "total": 0})
    for status, subjects in session.execute(select(readable.c.status,
                                                   readable.c.subject_user_ids)):
        for uid in subjects or ():
            collectors[uid]["total"] += 1
            collectors[uid]["open"] += status in ComplaintStatus.OPEN
    agencies: dict[str, dict] = defaultdict(lambda: {"open": 0, "total": 0})
    for status, agency_id in session.execute(
            select(readable.c.status, Placement.agency_id).join(
                Placement, Placement.case_id == readable.c.case_id)
            .where(Placement.returned_at.is_(None))):
        agencies[agency_id]["total"] += 1
        agencies[agency_id]["open"] += status in ComplaintStatus.OPEN
    return {"collectors": dict(collectors), "agencies": dict(agencies)}
