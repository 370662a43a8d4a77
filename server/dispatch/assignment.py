"""Assigning collectors to one visit: validated, checked against the rules, written, audited.

A blocking finding stops the assignment (RuleViolation, HTTP 422) unless `overrides` names its
rule with a non-blank reason; the reasons are stored on the assignee rows and audited as
"visit.assign.override". Warnings never block; they come back with the visit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller, sees_everything
from server.audit import service as audit
from server.cases.complaints import conduct_subjects
from server.compliance.effective import ProfileResolver
from server.compliance.engine import Severity, Verdict
from server.dispatch.checks import assignment_verdict
from server.errors import Conflict, InvalidInput, RuleViolation
from server.models import Address, Case, Placement, Role, User, Visit, VisitAssignee, VisitStatus

ASSIGNABLE = (VisitStatus.PLANNED, VisitStatus.ASSIGNED)


def load_collectors(session: Session, caller: Caller, case: Case, user_ids: Sequence[str],
                    field: str = "assignees") -> list[User]:
    """The requested collectors, in order; 422 naming each one that cannot take this case."""
    ids = list(dict.fromkeys(user_ids))
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    placed = set(session.scalars(select(Placement.agency_id).where(
        Placement.case_id == case.id, Placement.returned_at.is_(None))))
    recused = conduct_subjects(session, [case.id]).get(case.id, set())
    problems = []
    for uid in ids:
        user = users.get(uid)
        if user is None or user.role != Role.COLLECTOR or not user.active or not (
                sees_everything(caller) or user.agency_id == caller.agency_id):
            problems.append(f"{uid}: no active collector with this id in your agency")
        elif user.agency_id not in placed:
            problems.append(f"{uid}: the collector's agency has no placement of this case")
        elif uid in recused:
            problems.append(f"{uid}: an open conduct complaint on this case names the collector")
    if problems:
        raise InvalidInput("some collectors cannot be assigned", {field: problems})
    return [users[uid] for uid in ids]


def blocked(verdict: Verdict, overrides: Mapping[str, str]) -> RuleViolation | None:
    """The RuleViolation to raise when blocks remain after the overrides, else None."""
    left = verdict.unresolved_blocks(overrides)
    if not left:
        return None
    rules = {str(f.rule) for f in left}
    return RuleViolation(
        f"the assignment breaks {', '.join(sorted(rules))}; fix it or give overrides "
        f"{{rule: reason}}",
        # only a block can be overridden: a warning is never "overridden", with or without one
        [{**f.to_dict(), "overridden": f.severity is Severity.BLOCK and str(f.rule) not in rules}
         for f in verdict.findings])


def reported_findings(verdict: Verdict, overrides: Mapping[str, str]) -> list[dict]:
    """Warnings, and the blocks an override let through (with its reason)."""
    out = []
    for f in verdict.findings:
        item = f.to_dict()
        if f.severity is Severity.BLOCK:
            item["override_reason"] = overrides[str(f.rule)].strip()
        out.append(item)
    return out


def assign_visit(session: Session, caller: Caller, visit: Visit, user_ids: Sequence[str],
                 overrides: Mapping[str, str], now: datetime,
                 resolver: ProfileResolver | None = None) -> list[dict]:
    """Make `user_ids` the visit's collectors (first = lead); return the findings to report."""
    if visit.status not in ASSIGNABLE:
        raise Conflict(f"a {visit.status} visit cannot be reassigned", {"status": visit.status})
    case = session.get(Case, visit.case_id)
    collectors = load_collectors(session, caller, case, user_ids)
    findings: list[dict] = []
    used: dict[str, str] = {}
    if collectors:
        verdict = assignment_verdict(session, resolver or ProfileResolver(session), visit, case,
                                     session.get(Address, visit.address_id), collectors, now)
        violation = blocked(verdict, overrides)
        if violation is not None:
            raise violation
        findings = reported_findings(verdict, overrides)
        used = {f["rule"]: f["override_reason"] for f in findings if "override_reason" in f}
    before = _write(session, caller, visit, [c.id for c in collectors], used, now)
    audit.record(session, caller.user_id, "visit.assign", "visit", visit.id,
                 {"before": before, "after": [c.id for c in collectors],
                  "findings": [f for f in findings if "override_reason" not in f]}, now=now)
    if used:
        audit.record(session, caller.user_id, "visit.assign.override", "visit", visit.id,
                     {"overrides": used, "collectors": [c.id for c in collectors],
                      "findings": [f for f in findings if "override_reason" in f]}, now=now)
    return findings


def override_text(used: Mapping[str, str]) -> str | None:
    """How the override reasons are stored on an assignee row."""
    return "; ".join(f"{rule}: {reason}" for rule, reason in sorted(used.items()))[:500] or None


def _write(session: Session, caller: Caller, visit: Visit, user_ids: list[str],
           used: Mapping[str, str], now: datetime) -> list[str]:
    rows = {r.user_id: r for r in session.scalars(
        select(VisitAssignee).where(VisitAssignee.visit_id == visit.id))}
    before = sorted(uid for uid, r in rows.items() if r.ended_at is None)
    reason = override_text(used)
    for uid, row in rows.items():
        if uid not in user_ids and row.ended_at is None:
            row.ended_at = now
    for position, uid in enumerate(user_ids):
        row = rows.get(uid)
        if row is None:  # (visit, user) is unique: an earlier, ended row is reopened instead
            row = VisitAssignee(visit_id=visit.id, user_id=uid)
            session.add(row)
        if row.ended_at is not None or uid not in before:
            row.assigned_at, row.assigned_by, row.ended_at = now, caller.user_id, None
        row.role = "lead" if position == 0 else "second"
        row.override_reason = reason
    visit.status = VisitStatus.ASSIGNED if user_ids else VisitStatus.PLANNED
    visit.updated_at = now  # bumps the version even when only the assignees changed
    session.flush()
    return before
