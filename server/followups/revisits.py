"""Revisits: a revisit follow-up in the first allowed visit window within the visit rules.

A revisit is due at the start of the first allowed window (debtor's preferred hours included)
of the first local day, from a first day on, on which a visit passes the assignment rules that
do not depend on who goes (visit caps, interval, cease, vulnerability, holds). When no day
within the horizon passes, the follow-up is stored cancelled with the reason, so the skip is
visible and no job reconsiders it. `first_allowed_visit` is that search; two jobs use it:

* after NOT_HOME (`schedule_revisits`): from `outcome day + max(1, visit_interval_days)`;
* after a broken promise made during a visit (`time_revisit_follow_ups`): the promise monitor
  inserts the follow-up `pending`, then at most `limit` pending ones per batch are timed from
  the debtor's local today (never before the run), like the broken promise's calls.

Inputs are loaded for a whole batch in a fixed number of queries (`visitees`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from server.clock import local_today
from server.compliance.effective import ProfileResolver
from server.compliance.engine import (
    AddressFacts,
    Consent,
    ContactAttempt,
    DebtorFacts,
    Profile,
    Rule,
    Severity,
    VisitPlan,
    check_assignment,
)
from server.compliance.inputs import (
    address_facts,
    consents_for,
    corrected,
    debtor_facts_for,
    ledger_attempt,
)
from server.db.bulk import in_values
from server.db.sql import insert_ignore
from server.followups.pending import BATCH, PENDING, apply_decisions, decision
from server.followups.timing import AllowedHours
from server.models import Address, Case, FollowUp, FollowUpKind, OutcomeCode, Visit, VisitOutcome
from server.models import ContactAttempt as AttemptRow
from server.models import new_id as make_id

HORIZON_DAYS = 31  # longest seeded visit cap span (30 days) plus one
_PLACE_AND_PERSON = {Rule.VISIT_CAP, Rule.VISIT_INTERVAL, Rule.CEASE, Rule.VULNERABLE,
                     Rule.SENSITIVE}
_FU = FollowUp.__table__
_MINUTES = 20  # a visit's default service time, for a revisit whose visit is gone


@dataclass(frozen=True)
class Visitee:
    """Everything the place-and-person visit rules read about a visit to one case's debtor at
    one address."""

    case_id: str
    debtor_id: str
    profile: Profile
    debtor: DebtorFacts
    address: AddressFacts
    attempts: list[ContactAttempt]  # the case's visits in the ledger (caps count per debt)
    consents: list[Consent]


def first_allowed_visit(visitee: Visitee, first_day: date, now: datetime, plan_id: str,
                        minutes: int, windows: AllowedHours | None = None,
                        ) -> tuple[datetime | None, str]:
    """The start of the first allowed window, on the first local day from `first_day` (and not
    before `now`) within the horizon, on which a visit passes the place-and-person rules; or
    None and the blocking findings of the last day tried."""
    windows = windows or AllowedHours()
    v, reasons = visitee, []
    for k in range(HORIZON_DAYS):
        day = first_day + timedelta(days=k)
        start = windows.first_at(v.profile, day, v.address.tz, v.debtor.preferred_windows, now)
        if start is None:
            continue
        plan = VisitPlan(plan_id, v.debtor_id, v.case_id, start,
                         start + timedelta(minutes=minutes), ())
        verdict = check_assignment(v.profile, plan, v.debtor, v.address, [], v.attempts,
                                   v.consents, now)
        blocks = [f for f in verdict.findings
                  if f.rule in _PLACE_AND_PERSON and f.severity is Severity.BLOCK]
        if not blocks:
            return start, ""
        reasons = sorted({f"{f.rule}: {f.message}" for f in blocks})
    return None, "; ".join(reasons) or "no allowed hours in the horizon"


def visitees(session: Session, targets: Iterable[tuple[str, str | None]], now: datetime,
             default_tz: str) -> dict[tuple[str, str | None], Visitee]:
    """The inputs of visits to (case id, address id) targets, in a fixed number of queries;
    an address id of None (or an unknown one) is the debtor's home in the default zone."""
    targets = set(targets)
    case_ids = {case_id for case_id, _ in targets}
    cases = {c.id: c for c in session.execute(
        select(Case.id, Case.debtor_id, Case.jurisdiction, Case.lender_id, Case.dispute_open)
        .where(in_values(session, Case.id, case_ids))
    )}
    profiles = ProfileResolver(session).for_cases(cases.values())
    debtors = debtor_facts_for(session, cases.values())
    consents = consents_for(session, {c.debtor_id for c in cases.values()})
    address_ids = {address_id for _, address_id in targets if address_id}
    addresses = {a.id: a for a in session.scalars(
        select(Address).where(in_values(session, Address.id, address_ids)))}
    since = now - timedelta(days=_lookback_days(profiles.values()))
    attempts = _visit_attempts(session, case_ids, since)
    out = {}
    for case_id, address_id in targets:
        c = cases[case_id]
        out[(case_id, address_id)] = Visitee(
            case_id, c.debtor_id, profiles[case_id], debtors[case_id],
            address_facts(addresses.get(address_id), default_tz), attempts[case_id],
            consents.get(c.debtor_id, []))
    return out


def _lookback_days(profiles) -> int:
    # Days searched are from the local today on: a ledger visit older than the widest cap span
    # or interval cannot block them; a day more covers the gap between UTC and a local date.
    widest = [max([cap.days for cap in p.visit_caps] + [p.visit_interval_days, 1])
              for p in profiles]
    return max(widest, default=1) + 1


def _visit_attempts(session: Session, case_ids: set[str],
                    since: datetime) -> dict[str, list[ContactAttempt]]:
    """The cases' recent visits in the contact ledger, by case."""
    r = AttemptRow
    rows = session.scalars(select(r).where(
        in_values(session, r.case_id, case_ids), r.channel == "visit", r.occurred_at >= since))
    by_case: dict[str, list[ContactAttempt]] = defaultdict(list)
    for row in rows:
        by_case[row.case_id].append(ledger_attempt(row))
    return by_case


def schedule_revisits(session: Session, now: datetime, default_tz: str, limit: int = 2000):
    """Create (once per visit) the revisit follow-ups NOT_HOME outcomes call for."""
    o = VisitOutcome
    done = exists().where(FollowUp.dedupe_key == literal("revisit:") + o.visit_id)
    found = session.execute(
        select(o, Visit).join(Visit, Visit.id == o.visit_id)
        .where(o.code == OutcomeCode.NOT_HOME, ~done).order_by(o.recorded_at).limit(limit)
    ).all()
    first_seen = {}
    for outcome, visit in found:
        first_seen.setdefault(visit.id, (outcome, visit))
    if not first_seen:
        return {"revisits": 0, "skipped": 0}
    inputs = visitees(session, {(v.case_id, v.address_id) for _, v in first_seen.values()},
                      now, default_tz)
    windows = AllowedHours()
    rows = [_not_home_revisit(outcome, visit, inputs[(visit.case_id, visit.address_id)], now,
                              windows)
            for outcome, visit in first_seen.values()]
    created = insert_ignore(session, _FU, rows)
    skipped = sum(1 for r in rows if r["status"] == "cancelled")
    return {"revisits": created - skipped, "skipped": skipped}


def _not_home_revisit(outcome, visit, visitee: Visitee, now, windows) -> dict:
    seen_at = corrected(outcome.recorded_at, outcome.clock_offset_ms)
    if not any(a.attempt_id in (visit.id, outcome.id) for a in visitee.attempts):
        # The ledger row of this NOT_HOME may not be written yet: it counts all the same.
        visitee = replace(visitee, attempts=[*visitee.attempts, ContactAttempt(
            "visit", seen_at, visitee.debtor_id, visit.case_id, outcome="NOT_HOME",
            attempt_id=outcome.id)])
    seen_on = local_today(seen_at, visitee.address.tz)
    first = seen_on + timedelta(days=max(1, visitee.profile.visit_interval_days))
    start, why = first_allowed_visit(visitee, first, now, f"revisit:{visit.id}",
                                     visit.service_minutes, windows)
    if start is not None:
        return _row(visit, start, "open", f"NOT_HOME on {seen_on}", now)
    return _row(visit, now, "cancelled", "revisit skipped", now, resolution=why[:300])


def _row(visit: Visit, due_at, status, reason, now, resolution=None) -> dict:
    return {"id": make_id(), "case_id": visit.case_id, "visit_id": visit.id,
            "kind": FollowUpKind.REVISIT, "due_at": due_at, "reason": reason, "status": status,
            "dedupe_key": f"revisit:{visit.id}", "resolution": resolution,
            "completed_at": now if status == "cancelled" else None,
            "created_at": now, "updated_at": now}


def time_revisit_follow_ups(session: Session, now: datetime, default_tz: str,
                            limit: int = BATCH) -> dict[str, int]:
    """Open (due at the first allowed visit window) or cancel up to `limit` pending revisit
    follow-ups, the revisits of promises broken after being made during a visit."""
    pending = session.execute(
        select(_FU.c.id, _FU.c.case_id, Visit.address_id, Visit.service_minutes)
        .outerjoin(Visit, Visit.id == _FU.c.visit_id)
        .where(_FU.c.status == PENDING, _FU.c.kind == FollowUpKind.REVISIT)
        .order_by(_FU.c.due_at, _FU.c.id).limit(limit)
    ).all()
    if not pending:
        return {"revisits_due": 0, "revisits_cancelled": 0}
    inputs = visitees(session, {(row.case_id, row.address_id) for row in pending}, now,
                      default_tz)
    windows, changes = AllowedHours(), []
    for row in pending:
        visitee = inputs[(row.case_id, row.address_id)]
        start, why = first_allowed_visit(visitee, local_today(now, visitee.address.tz), now,
                                         row.id, row.service_minutes or _MINUTES, windows)
        changes.append(decision(row.id, start, why, now, "revisit"))
    due, cancelled = apply_decisions(session, changes, now)
    return {"revisits_due": due, "revisits_cancelled": cancelled}
