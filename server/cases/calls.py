"""Calls made by collectors or a call centre, logged into the contact-attempt ledger the caps
count, and judged against the case's rules as they were before the call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller
from server.audit import service as audit
from server.cases.scope import readable_case
from server.cases.view import debtor_zone
from server.compliance.effective import ProfileResolver
from server.compliance.engine import check_call
from server.compliance.engine.facts import CallPlan
from server.compliance.inputs import attempts_for, consents_for, debtor_facts
from server.errors import InvalidInput
from server.models import ContactAttempt, ContactPoint, OptOut, PartyRelationship


def log_call(session: Session, caller: Caller, case_id: str, spec: Mapping[str, Any],
             now: datetime) -> tuple[ContactAttempt, list[dict]]:
    """Add the call to the ledger; return it with the findings it broke (kept, not refused:
    it happened)."""
    case = readable_case(session, caller, case_id)
    point = session.get(ContactPoint, spec["contact_point_id"])
    related = set(session.scalars(select(PartyRelationship.party_id).where(
        PartyRelationship.debtor_id == case.debtor_id)))
    if point is None or point.party_id not in related | {case.debtor_id}:
        raise InvalidInput("not a number of the case's parties",
                           {"contact_point_id": ["not this case's"]})
    at = spec.get("occurred_at") or now
    if at > now:
        raise InvalidInput("a call is logged after it happened", {"occurred_at": ["future"]})
    findings: list[dict] = []
    if point.party_id == case.debtor_id:
        opted = frozenset(session.scalars(select(OptOut.channel).where(
            OptOut.contact_point_id == point.id, OptOut.lifted_at.is_(None))))
        plan = CallPlan(at, case.debtor_id, case.id, point.id, contact_point_opt_outs=opted)
        verdict = check_call(ProfileResolver(session).for_case(case), plan,
                             debtor_facts(session, case), debtor_zone(session, case.debtor_id),
                             attempts_for(session, [case.id]).get(case.id, []),
                             consents_for(session, [case.debtor_id]).get(case.debtor_id, []))
        findings = [f.to_dict() for f in verdict.findings]
    row = ContactAttempt(case_id=case.id, party_id=point.party_id, contact_point_id=point.id,
                         channel="call", user_id=caller.user_id, occurred_at=at,
                         connected=spec["connected"], outcome=spec.get("outcome"))
    session.add(row)
    session.flush()
    audit.record(session, caller.user_id, "call.logged", "case", case.id,
                 {"attempt_id": row.id, "connected": row.connected,
                  "findings": [f["rule"] for f in findings]}, now=now)
    return row, findings
