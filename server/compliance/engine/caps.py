"""Frequency rules counted from the contact-attempt ledger, in rolling windows of local days.

Days are the debtor's calendar days (a call at 23:30 in New York belongs to that evening, not to
the UTC date), and a rolling window of N days is any N consecutive local days that contain the
day being checked, so a visit planned between two earlier ones is caught as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from .facts import CallPlan, Channel, ContactAttempt
from .params import RollingCap
from .profiles import Profile
from .verdicts import Finding, Rule, Severity
from .windows import local_date


def busiest_window(days: Sequence[date], day: date, span: int) -> tuple[int, date]:
    """Return the top count of `days` in any `span`-day window holding `day`, and its start."""
    starts = [day - timedelta(days=k) for k in range(span)]
    counts = [
        (sum(start <= d < start + timedelta(days=span) for d in days), start) for start in starts
    ]
    return max(counts, key=lambda pair: (pair[0], pair[1]))


def _cap_finding(rule: Rule, cap: RollingCap, count: int, start: date, what: str) -> Finding:
    end = start + timedelta(days=cap.days - 1)
    return Finding(
        rule,
        Severity.BLOCK,
        f"{what}: {count} already in the {cap.days} local days {start}..{end}, cap is {cap.count}",
        {"cap": cap.to_json(), "count": count, "window_local": [str(start), str(end)]},
    )


def visit_cap_findings(
    profile: Profile,
    debt_id: str,
    day: date,
    tz: ZoneInfo,
    attempts: Sequence[ContactAttempt],
    written_consent: bool,
    exclude_id: str | None = None,
) -> list[Finding]:
    """VISIT_CAP: one more visit on this debt on `day` must stay within every rolling cap."""
    days = [
        local_date(a.at_utc, tz)
        for a in attempts
        if a.channel == Channel.VISIT and a.debt_id == debt_id and a.attempt_id != exclude_id
    ]
    findings = []
    for cap in profile.visit_caps:
        count, start = busiest_window(days, day, cap.days)
        if count >= cap.count and not (cap.consent_exempt and written_consent):
            findings.append(_cap_finding(Rule.VISIT_CAP, cap, count, start, "visits on this debt"))
    return findings


def visit_interval_finding(
    profile: Profile,
    debt_id: str,
    day: date,
    tz: ZoneInfo,
    attempts: Sequence[ContactAttempt],
    exclude_id: str | None = None,
) -> Finding | None:
    """VISIT_INTERVAL: no other visit on this debt closer than the minimum number of days."""
    if profile.visit_interval_days <= 0:
        return None
    days = [
        local_date(a.at_utc, tz)
        for a in attempts
        if a.channel == Channel.VISIT and a.debt_id == debt_id and a.attempt_id != exclude_id
    ]
    close = sorted(d for d in days if abs((day - d).days) < profile.visit_interval_days)
    if not close:
        return None
    return Finding(
        Rule.VISIT_INTERVAL,
        Severity(profile.visit_interval_severity),
        f"another visit on this debt on {close[-1]}, less than "
        f"{profile.visit_interval_days} days from {day}",
        {"min_days": profile.visit_interval_days, "nearby_visits_local": [str(d) for d in close]},
    )


def call_cap_findings(
    profile: Profile,
    call: CallPlan,
    tz: ZoneInfo,
    attempts: Sequence[ContactAttempt],
    consent_to_more: bool,
) -> list[Finding]:
    """CALL_CAP: unanswered per number, connected per debtor, per person per debt, silence."""
    day = local_date(call.at_utc, tz)
    calls = [(a, local_date(a.at_utc, tz)) for a in attempts if a.channel == Channel.CALL]
    findings: list[Finding] = []

    def daily(limit: int | None, rows: list, what: str, variant: str) -> None:
        if limit is not None and len(rows) >= limit:
            findings.append(
                Finding(
                    Rule.CALL_CAP,
                    Severity.BLOCK,
                    f"{what}: {len(rows)} today ({day}), cap is {limit}",
                    {"variant": variant, "cap": limit, "count": len(rows), "day_local": str(day)},
                )
            )

    daily(
        profile.call_unanswered_per_number_per_day,
        [
            a
            for a, d in calls
            if d == day and a.contact_point_id == call.contact_point_id and not a.connected
        ],
        "unanswered calls to this number",
        "unanswered_per_number",
    )
    daily(
        profile.call_connected_per_debtor_per_day,
        [a for a, d in calls if d == day and a.party_id == call.party_id and a.connected],
        "connected calls with this debtor",
        "connected_per_debtor",
    )
    mine = [(a, d) for a, d in calls if a.party_id == call.party_id and a.debt_id == call.debt_id]
    for cap in profile.call_caps:
        count, start = busiest_window([d for _, d in mine], day, cap.days)
        if count >= cap.count and not (cap.consent_exempt and consent_to_more):
            found = _cap_finding(
                Rule.CALL_CAP, cap, count, start, "calls to this person on this debt"
            )
            findings.append(
                Finding(
                    found.rule,
                    found.severity,
                    found.message,
                    {**found.details, "variant": "per_person_per_debt"},
                )
            )
    silence = profile.call_silence_after_conversation_days
    talks = sorted(d for a, d in mine if a.connected and 0 <= (day - d).days < silence)
    if talks:
        findings.append(
            Finding(
                Rule.CALL_CAP,
                Severity.BLOCK,
                f"a conversation on {talks[-1]} starts {silence} days without calls on this debt",
                {
                    "variant": "silence_after_conversation",
                    "days": silence,
                    "conversation_local": str(talks[-1]),
                },
            )
        )
    return findings
