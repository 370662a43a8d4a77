"""Planning-time checks: a dispatcher assigning a visit, a follow-up creating a call or message.

A block here stops the action unless a person overrides it with a recorded reason
(`Verdict.unresolved_blocks`); the caller stores the verdict and the override together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from .caps import call_cap_findings, visit_cap_findings, visit_interval_finding
from .facts import (
    AddressFacts,
    CallPlan,
    Channel,
    CollectorFacts,
    Consent,
    ConsentKind,
    ContactAttempt,
    DebtorFacts,
    VisitPlan,
    active_consents,
    time_exceptions,
)
from .params import TimeWindow
from .profiles import Profile
from .rules import (
    cease_finding,
    credential_findings,
    notice_finding,
    sensitive_finding,
    two_person_finding,
    vulnerable_finding,
    workplace_finding,
)
from .verdicts import Verdict, combine, verdict
from .windows import allowed_windows, as_utc, check_contact_time, check_window, local_date, zone

# A reminder moved out of quiet hours is queued this long before they start, so a gateway that
# drains the outbox every few minutes still delivers it in allowed time.
SEND_MARGIN = timedelta(minutes=15)


def check_assignment(
    profile: Profile,
    visit_plan: VisitPlan,
    debtor: DebtorFacts,
    address: AddressFacts,
    collectors: Sequence[CollectorFacts],
    attempts: Sequence[ContactAttempt],
    consents: Sequence[Consent],
    now: datetime,
) -> Verdict:
    """Return every finding that applies when a dispatcher assigns `visit_plan`."""
    tz = zone(address.tz)
    start = as_utc(visit_plan.window_start_utc)
    day = local_date(start, tz)
    party = visit_plan.party_id

    def consented(kind: str, written: bool = False) -> bool:
        return bool(active_consents(consents, kind, party, now, written))

    quiet = check_window(
        profile,
        start,
        visit_plan.window_end_utc,
        tz,
        debtor.preferred_windows,
        time_exceptions(consents, party, now),
    )
    debt, plan_id = visit_plan.debt_id, visit_plan.visit_id
    findings = [
        two_person_finding(profile, visit_plan.collector_ids, "assigned"),
        *visit_cap_findings(
            profile, debt, day, tz, attempts, consented(ConsentKind.EXTRA_VISITS, True), plan_id
        ),
        visit_interval_finding(profile, debt, day, tz, attempts, plan_id),
        vulnerable_finding(profile, debtor, consented(ConsentKind.VISIT_DURING_DISPUTE)),
        workplace_finding(profile, address, consented(ConsentKind.WORKPLACE_VISIT)),
        sensitive_finding(profile, debtor, day),
        *credential_findings(profile, visit_plan.collector_ids, collectors, day),
        cease_finding(profile, debtor, Channel.VISIT),
        notice_finding(profile, start, as_utc(now), visit_plan.notice_given_at),
    ]
    context = {"tz": tz.key, "local_date": str(day), "profile": profile.code}
    return combine([quiet, verdict(findings)], context)


def check_call(
    profile: Profile,
    call: CallPlan,
    debtor: DebtorFacts,
    tz: str,
    attempts: Sequence[ContactAttempt],
    consents: Sequence[Consent],
    clock_offset: timedelta = timedelta(0),
) -> Verdict:
    """Return the findings for creating a call (or message) follow-up at `call.at_utc`."""
    at = as_utc(call.at_utc) + clock_offset
    quiet = check_contact_time(
        profile,
        call.at_utc,
        tz,
        debtor.preferred_windows,
        time_exceptions(consents, call.party_id, at),
        clock_offset,
        call.channel,
    )
    findings = [cease_finding(profile, debtor, call.channel, call.contact_point_opt_outs)]
    if call.channel == Channel.CALL:
        corrected = replace(call, at_utc=at)
        more = bool(active_consents(consents, ConsentKind.EXTRA_CALLS, call.party_id, at))
        findings += call_cap_findings(profile, corrected, zone(tz), attempts, more)
    return combine([quiet, verdict(findings)], {"profile": profile.code})


def reminder_due_at(
    profile: Profile,
    visit_start_utc: datetime,
    tz: str,
    debtor_preferences: Sequence[TimeWindow] = (),
) -> datetime | None:
    """Return when the NOTICE reminder is due: `notice_hours` ahead, moved out of quiet hours."""
    if profile.notice_hours <= 0:
        return None
    due = as_utc(visit_start_utc) - timedelta(hours=profile.notice_hours)
    day = local_date(due, tz)
    # Moving earlier (never later) keeps the notice at least as long as the profile asks.
    for back in range(8):
        windows = allowed_windows(profile, day - timedelta(days=back), tz, debtor_preferences)
        for start, end in reversed(windows):
            if start <= due < end:
                return due
            if end <= due:
                return max(start, end - SEND_MARGIN)
    return None
