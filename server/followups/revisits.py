"""Revisits after NOT_HOME: a revisit follow-up in the next allowed window within the caps.

The revisit day is the first local day from `outcome day + max(1, visit_interval_days)` on which
a visit passes the assignment rules that do not depend on who goes (visit caps, interval,
cease, vulnerability, holds). When no day within the horizon passes, the follow-up is stored
cancelled with the reason, so the skip is visible and the job does not reconsider it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from server.compliance import ContactAttempt, Rule, Severity, VisitPlan, check_assignment
from server.followups.timing import first_allowed_at
from server.jobs.sql import insert_ignore
from server.models import Address, Case, FollowUp, FollowUpKind, OutcomeCode, Visit, VisitOutcome
from server.models import new_id as make_id
from server.rules.effective import ProfileResolver
from server.rules.inputs import address_facts, attempts_of, consents_of, corrected, debtor_facts
from server.rules.windows_util import local_today

HORIZON_DAYS = 31  # longest seeded visit cap span (30 days) plus one
_PLACE_AND_PERSON = {Rule.VISIT_CAP, Rule.VISIT_INTERVAL, Rule.CEASE, Rule.VULNERABLE,
                     Rule.SENSITIVE}


def schedule_revisits(session: Session, now: datetime, default_tz: str, limit: int = 2000):
    """Create (once per visit) the revisit follow-ups NOT_HOME outcomes call for."""
    o = VisitOutcome
    done = exists().where(FollowUp.dedupe_key == literal("revisit:") + o.visit_id)
    pending = session.execute(
        select(o, Visit).join(Visit, Visit.id == o.visit_id)
        .where(o.code == OutcomeCode.NOT_HOME, ~done).order_by(o.recorded_at).limit(limit)
    ).all()
    resolver, rows, seen = ProfileResolver(session), [], set()
    for outcome, visit in pending:
        if visit.id in seen:
            continue
        seen.add(visit.id)
        rows.append(_revisit(session, resolver, outcome, visit, now, default_tz))
    created = insert_ignore(session, FollowUp.__table__, rows)
    skipped = sum(1 for r in rows if r["status"] == "cancelled")
    return {"revisits": created - skipped, "skipped": skipped}


def _revisit(session, resolver, outcome, visit, now, default_tz) -> dict:
    case = session.get(Case, visit.case_id)
    profile = resolver.for_case(case)
    address = address_facts(session.get(Address, visit.address_id), default_tz)
    debtor = debtor_facts(session, case)
    consents = consents_of(session, case.debtor_id)
    attempts = attempts_of(session, case.id)
    seen_at = corrected(outcome.recorded_at, outcome.clock_offset_ms)
    if not any(a.attempt_id in (visit.id, outcome.id) for a in attempts):
        attempts.append(ContactAttempt("visit", seen_at, case.debtor_id, case.id,
                                       outcome="NOT_HOME", attempt_id=outcome.id))
    seen_on = local_today(seen_at, address.tz)
    first = seen_on + timedelta(days=max(1, profile.visit_interval_days))
    reasons: list[str] = []
    for k in range(HORIZON_DAYS):
        day = first + timedelta(days=k)
        start = first_allowed_at(profile, day, address.tz, debtor.preferred_windows, now)
        if start is None:
            continue
        plan = VisitPlan(f"revisit:{visit.id}", case.debtor_id, case.id, start,
                         start + timedelta(minutes=visit.service_minutes), ())
        verdict = check_assignment(profile, plan, debtor, address, [], attempts, consents, now)
        blocks = [f for f in verdict.findings
                  if f.rule in _PLACE_AND_PERSON and f.severity is Severity.BLOCK]
        if not blocks:
            return _row(visit, start, "open", f"NOT_HOME on {seen_on}", now)
        reasons = sorted({f"{f.rule}: {f.message}" for f in blocks})
    why = "; ".join(reasons) or "no allowed hours in the horizon"
    return _row(visit, now, "cancelled", "revisit skipped", now, resolution=why[:300])


def _row(visit: Visit, due_at, status, reason, now, resolution=None) -> dict:
    return {"id": make_id(), "case_id": visit.case_id, "visit_id": visit.id,
            "kind": FollowUpKind.REVISIT, "due_at": due_at, "reason": reason, "status": status,
            "dedupe_key": f"revisit:{visit.id}", "resolution": resolution,
            "completed_at": now if status == "cancelled" else None,
            "created_at": now, "updated_at": now}
