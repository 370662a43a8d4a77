"""The compliance check of an assignment, fed from rows by server.compliance.inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver
from server.compliance.engine import (
    AddressFacts,
    CollectorFacts,
    Consent,
    ContactAttempt,
    DebtorFacts,
    Profile,
    Verdict,
    VisitPlan,
    check_assignment,
)
from server.compliance.inputs import (
    DEFAULT_TZ,
    address_facts,
    attempts_for,
    consents_for,
    debtor_facts_for,
    notices_given,
)
from server.models import Address, Case, User, Visit

# Without an appointment a visit happens within the collectors' shifts; with nobody assigned
# yet, within an ordinary working day.
DEFAULT_SHIFT_MIN = (9 * 60, 18 * 60)


def planned_window(visit: Visit, tz: str, collectors: Sequence[User] = ()) -> tuple[datetime,
                                                                                    datetime]:
    """The UTC window the visit will happen in: its appointment, else the shared shift."""
    if visit.window_start is not None and visit.window_end is not None:
        return visit.window_start, visit.window_end
    start_min, end_min = DEFAULT_SHIFT_MIN
    if collectors:
        start_min = max(c.shift_start_min for c in collectors)
        end_min = min(c.shift_end_min for c in collectors)
        if end_min <= start_min:  # shifts that do not overlap: judge the first collector's
            start_min, end_min = collectors[0].shift_start_min, collectors[0].shift_end_min
    return _local(visit.scheduled_on, start_min, tz), _local(visit.scheduled_on, end_min, tz)


def _local(day: date, minutes: int, tz: str) -> datetime:
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


@dataclass(frozen=True)
class CaseFacts:
    """Everything the rules read about one visit except its collectors, loaded once."""

    visit: Visit
    case: Case
    profile: Profile
    debtor: DebtorFacts
    address: AddressFacts
    attempts: list[ContactAttempt]
    consents: list[Consent]
    notice_given_at: datetime | None = None  # when the visit's advance notice went out


def case_facts(session: Session, resolver: ProfileResolver, visit: Visit, case: Case,
               address: Address) -> CaseFacts:
    """Load the rule inputs of one visit through server.compliance' builders."""
    return case_facts_for(session, resolver, [(visit, case, address)])[visit.id]


def case_facts_for(session: Session, resolver: ProfileResolver,
                   rows: Sequence[tuple[Visit, Case, Address]]) -> dict[str, CaseFacts]:
    """`case_facts` of many visits by visit id, in a few queries whatever their number
    (placements, debtors, opt-outs, the contact ledger and consents, each for all cases)."""
    cases = list({case.id: case for _, case, _ in rows}.values())
    profiles = resolver.for_cases(cases)
    debtors = debtor_facts_for(session, cases)
    attempts = attempts_for(session, [case.id for case in cases])
    consents = consents_for(session, [case.debtor_id for case in cases])
    notices = notices_given(session, [visit.id for visit, _, _ in rows])
    return {visit.id: CaseFacts(visit, case, profiles[case.id], debtors[case.id],
                                address_facts(address, DEFAULT_TZ), attempts.get(case.id, []),
                                consents.get(case.debtor_id, []), notices.get(visit.id))
            for visit, case, address in rows}


def credentials(users: Sequence[User]) -> list[CollectorFacts]:
    """Collectors' credentials from rows already loaded (as rules.inputs.collector_facts)."""
    return [CollectorFacts(u.id, u.certification_expires_on, u.training_completed_on,
                           bool(u.national_id)) for u in users]


def verdict_for(facts: CaseFacts, collectors: Sequence[User], now: datetime) -> Verdict:
    """check_assignment of these collectors (possibly none yet) on the visit."""
    start, end = planned_window(facts.visit, facts.address.tz, collectors)
    plan = VisitPlan(visit_id=facts.visit.id, party_id=facts.case.debtor_id,
                     debt_id=facts.case.id, window_start_utc=start, window_end_utc=end,
                     collector_ids=tuple(c.id for c in collectors),
                     notice_given_at=facts.notice_given_at)
    return check_assignment(facts.profile, plan, facts.debtor, facts.address,
                            credentials(collectors), facts.attempts, facts.consents, now)


def assignment_verdict(session: Session, resolver: ProfileResolver, visit: Visit, case: Case,
                       address: Address, collectors: Sequence[User], now: datetime) -> Verdict:
    """Run check_assignment for these collectors on this visit under the case's profile."""
    return verdict_for(case_facts(session, resolver, visit, case, address), collectors, now)
