"""Call follow-ups after a broken promise: due at the first moment the call rules allow a call.

The promise monitor inserts them set-based with status `pending` (it judges a million promises
in one run; the call rules are per debtor). `time_call_follow_ups` then takes at most `limit`
pending ones (one batch; `server.followups.backlog` loops over batches), loads their inputs in a
fixed number of queries and gives each the first instant of the allowed hours (debtor's local
time, preferences included), on the first local day within the horizon on which `check_call`
finds nothing blocking (CALL_CAP, CEASE, QUIET). A cease request, attorney representation, a
call opt-out, or no allowed day within the horizon stores it `cancelled` with the findings as
resolution, like a skipped revisit, so the skip is visible and no later run reconsiders it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.clock import local_today
from server.compliance.effective import ProfileResolver
from server.compliance.engine import (
    CallPlan,
    ContactAttempt,
    DebtorFacts,
    Profile,
    Rule,
    Severity,
    check_call,
)
from server.compliance.inputs import consents_for, debtor_facts_for, ledger_attempt
from server.db.bulk import in_values
from server.followups.pending import BATCH, PENDING, apply_decisions, decision
from server.followups.timing import AllowedHours
from server.models import Address, Case, ContactPoint, FollowUp, FollowUpKind, OptOut
from server.models import ContactAttempt as AttemptRow

HORIZON_DAYS = 31  # local days searched for an allowed call, today included
_FU = FollowUp.__table__


@dataclass(frozen=True)
class Callee:
    """Everything the call rules read about one case's debtor."""

    case_id: str
    profile: Profile
    debtor: DebtorFacts
    tz: str
    number: str  # the contact point a call would use ("" when the debtor has no phone)
    number_opt_outs: frozenset[str]
    attempts: list[ContactAttempt]
    consents: list


def time_call_follow_ups(session: Session, now: datetime, default_tz: str,
                         limit: int = BATCH) -> dict[str, int]:
    """Open (due at the first allowed call) or cancel up to `limit` pending call follow-ups."""
    pending = session.execute(
        select(_FU.c.id, _FU.c.case_id)
        .where(_FU.c.status == PENDING, _FU.c.kind == FollowUpKind.CALL)
        .order_by(_FU.c.due_at, _FU.c.id).limit(limit)
    ).all()
    if not pending:
        return {"calls_due": 0, "calls_cancelled": 0}
    callees = _callees(session, {row.case_id for row in pending}, now, default_tz)
    windows = AllowedHours()
    changes = [decision(row.id, *first_allowed_call(callees[row.case_id], now, windows), now,
                        "call") for row in pending]
    due, cancelled = apply_decisions(session, changes, now)
    return {"calls_due": due, "calls_cancelled": cancelled}


def first_allowed_call(callee: Callee, now: datetime,
                       windows: AllowedHours | None = None) -> tuple[datetime | None, str]:
    """The first instant from `now` a call passes `check_call`, or None and the reasons why not."""
    windows = windows or AllowedHours()
    today, reasons = local_today(now, callee.tz), []
    for k in range(HORIZON_DAYS):
        start = windows.first_at(callee.profile, today + timedelta(days=k), callee.tz,
                                 callee.debtor.preferred_windows, now)
        if start is None:
            continue
        plan = CallPlan(start, callee.debtor.party_id, callee.case_id, callee.number,
                        contact_point_opt_outs=callee.number_opt_outs)
        verdict = check_call(callee.profile, plan, callee.debtor, callee.tz, callee.attempts,
                             callee.consents)
        blocks = [f for f in verdict.findings if f.severity is Severity.BLOCK]
        if not blocks:
            return start, ""
        reasons = sorted({f"{f.rule}: {f.message}" for f in blocks})
        if any(f.rule is Rule.CEASE for f in blocks):
            break  # a cease or an opt-out does not lapse by waiting
    return None, "; ".join(reasons) or "no allowed hours in the horizon"


def _callees(session: Session, case_ids: set[str], now: datetime,
             default_tz: str) -> dict[str, Callee]:
    cases = session.execute(
        select(Case.id, Case.debtor_id, Case.jurisdiction, Case.lender_id, Case.dispute_open)
        .where(in_values(session, Case.id, case_ids))
    ).all()
    parties = {c.debtor_id for c in cases}
    profiles = ProfileResolver(session).for_cases(cases)
    debtors = debtor_facts_for(session, cases)
    consents = consents_for(session, parties)
    zones = _home_zones(session, parties)
    numbers = _numbers(session, parties)
    since = now - timedelta(days=_lookback_days(profiles.values()))
    by_party, by_case = _call_attempts(session, parties, case_ids, since)
    out = {}
    for c in cases:
        number, opt_outs = numbers.get(c.debtor_id, ("", frozenset()))
        seen = dict(by_case[c.id] + by_party[c.debtor_id])  # row id -> attempt, once each
        out[c.id] = Callee(c.id, profiles[c.id], debtors[c.id],
                            zones.get(c.debtor_id) or default_tz, number, opt_outs,
                            list(seen.values()), consents.get(c.debtor_id, []))
    return out


def _lookback_days(profiles) -> int:
    # Ledger rows older than the widest window (rolling cap or silence) cannot block a call
    # from today on; a day more covers the gap between UTC and any local date.
    widest = [max([cap.days for cap in p.call_caps] + [p.call_silence_after_conversation_days, 1])
              for p in profiles]
    return max(widest, default=1) + 1


def _home_zones(session: Session, parties: set[str]) -> dict[str, str | None]:
    """Each party's first recorded home address' zone (as `home_address` picks it)."""
    rows = session.execute(
        select(Address.party_id, Address.time_zone)
        .where(in_values(session, Address.party_id, parties), Address.kind == "home")
        .order_by(Address.party_id, Address.created_at, Address.id)
    ).all()
    zones: dict[str, str | None] = {}
    for party_id, tz in rows:
        zones.setdefault(party_id, tz)
    return zones


def _numbers(session: Session, parties: set[str]) -> dict[str, tuple[str, frozenset[str]]]:
    """The number a call would use: the first valid phone without a call opt-out, else the
    first valid phone with its opt-outs (so CEASE names them)."""
    phones = session.execute(
        select(ContactPoint.id, ContactPoint.party_id)
        .where(in_values(session, ContactPoint.party_id, parties),
               ContactPoint.channel == "phone", ContactPoint.valid.is_(True))
        .order_by(ContactPoint.party_id, ContactPoint.created_at, ContactPoint.id)
    ).all()
    opted: dict[str, set[str]] = defaultdict(set)
    for point_id, channel in session.execute(
        select(OptOut.contact_point_id, OptOut.channel)
        .where(in_values(session, OptOut.party_id, parties),
               OptOut.contact_point_id.is_not(None), OptOut.lifted_at.is_(None))
    ):
        opted[point_id].add(channel)
    chosen: dict[str, tuple[str, frozenset[str]]] = {}
    for point_id, party_id in phones:
        blocked = frozenset(opted.get(point_id, ()))
        if party_id not in chosen or (chosen[party_id][1] & {"call", "all"}
                                      and not blocked & {"call", "all"}):
            chosen[party_id] = (point_id, blocked)
    return chosen


def _call_attempts(session: Session, parties: set[str], case_ids: set[str], since: datetime):
    """Recent call attempts of the debtors (every debt: caps per debtor) and on the cases."""
    r = AttemptRow
    rows = session.scalars(select(r).where(
        r.channel == "call", r.occurred_at >= since,
        or_(in_values(session, r.party_id, parties), in_values(session, r.case_id, case_ids))))
    by_party, by_case = defaultdict(list), defaultdict(list)
    for row in rows:
        attempt = ledger_attempt(row)
        by_party[row.party_id].append((row.id, attempt))
        by_case[row.case_id].append((row.id, attempt))
    return by_party, by_case
