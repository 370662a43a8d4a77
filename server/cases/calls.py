"""Calls made by collectors or a call centre, logged into the contact-attempt ledger the caps
count, and judged against the case's rules as they were before the call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller, readable_case
from server.audit import service as audit
from server.cases.view import debtor_zone
from server.compliance.effective import ProfileResolver
from server.compliance.engine import Finding, Rule, Severity, check_call
from server.compliance.engine.facts import CallPlan
from server.compliance.inputs import attempts_for, consents_for, debtor_facts
from server.compliance.violations import ViolationContext, record_violations
from server.errors import InvalidInput
from server.models import Case, ContactAttempt, ContactPoint, OptOut, PartyRelationship


def log_call(session: Session, caller: Caller, case_id: str, spec: Mapping[str, Any],
             now: datetime) -> tuple[ContactAttempt, list[dict]]:
    """Add the call to the ledger; return it with the findings it broke (kept, not refused:
    it happened)."""
    case = readable_case(session, caller, case_id)
    return add_call(session, caller.user_id, case, spec, now)


def add_call(session: Session, actor_id: str, case: Case, spec: Mapping[str, Any],
             now: datetime, source: tuple[str, str] | None = None
             ) -> tuple[ContactAttempt, list[dict]]:
    """The call in the contact-attempt ledger, judged against the rules as they were before
    it; `source` (table, id) names the pushed fact it came from, entered once."""
    point = session.get(ContactPoint, spec["contact_point_id"])
    related = set(session.scalars(select(PartyRelationship.party_id).where(
        PartyRelationship.debtor_id == case.debtor_id)))
    if point is None or point.party_id not in related | {case.debtor_id}:
        raise InvalidInput("not a number of the case's parties",
                           {"contact_point_id": ["not this case's"]})
    at = spec.get("occurred_at") or now
    if at > now:
        raise InvalidInput("a call is logged after it happened", {"occurred_at": ["future"]})
    findings = _findings(session, case, point, at) if point.party_id == case.debtor_id else []
    row = ContactAttempt(case_id=case.id, party_id=point.party_id, contact_point_id=point.id,
                         channel="call", user_id=actor_id, occurred_at=at,
                         connected=spec["connected"], outcome=spec.get("outcome"),
                         source_table=source and source[0], source_id=source and source[1])
    session.add(row)
    session.flush()
    _flag(session, findings, ViolationContext(*(source or ("contact_attempts", row.id)),
                                              case_id=case.id, visit_id=spec.get("visit_id"),
                                              user_id=actor_id), now)
    audit.record(session, actor_id, "call.logged", "case", case.id,
                 {"attempt_id": row.id, "connected": row.connected,
                  "findings": [f["rule"] for f in findings]}, now=now)
    return row, findings


def _flag(session: Session, findings: list[dict], context: ViolationContext,
          now: datetime) -> None:
    """Blocking findings of a call that happened anyway go to compliance review, once."""
    record_violations(session, [Finding(Rule(f["rule"]), Severity(f["severity"]), f["message"],
                                        f["details"]) for f in findings
                                if f["severity"] == Severity.BLOCK], context, now)


def _findings(session: Session, case: Case, point: ContactPoint, at: datetime) -> list[dict]:
    opted = frozenset(session.scalars(select(OptOut.channel).where(
        OptOut.contact_point_id == point.id, OptOut.lifted_at.is_(None))))
    plan = CallPlan(at, case.debtor_id, case.id, point.id, contact_point_opt_outs=opted)
    verdict = check_call(ProfileResolver(session).for_case(case), plan,
                         debtor_facts(session, case), debtor_zone(session, case.debtor_id),
                         attempts_for(session, [case.id]).get(case.id, []),
                         consents_for(session, [case.debtor_id]).get(case.debtor_id, []))
    return [f.to_dict() for f in verdict.findings]
