"""Single-rule findings that need no clock arithmetic: who, where, what state, which credentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from .facts import ALL_CHANNELS, AddressFacts, CollectorFacts, DebtorFacts
from .profiles import Profile
from .verdicts import Finding, Rule, Severity

THIRD_PARTY_MET = "THIRD_PARTY_MET"


def cease_finding(
    profile: Profile,
    debtor: DebtorFacts,
    channel: str,
    point_opt_outs: frozenset[str] = frozenset(),
) -> Finding | None:
    """CEASE: attorney representation, a cease request, or an opt-out for this channel."""
    reasons = []
    if profile.attorney_blocks_contact and debtor.attorney_represented:
        reasons.append("attorney_represented")
    if profile.honor_cease_requests and ALL_CHANNELS in debtor.cease_channels:
        reasons.append("cease_request")
    if profile.honor_channel_opt_outs and channel in debtor.cease_channels:
        reasons.append("debtor_channel_opt_out")
    if profile.honor_channel_opt_outs and (
        channel in point_opt_outs or ALL_CHANNELS in point_opt_outs
    ):
        reasons.append("contact_point_opt_out")
    if not reasons:
        return None
    return Finding(
        Rule.CEASE,
        Severity.BLOCK,
        f"no {channel} contact: {', '.join(r.replace('_', ' ') for r in reasons)}",
        {"channel": str(channel), "reasons": reasons},
    )


def vulnerable_finding(
    profile: Profile, debtor: DebtorFacts, dispute_agreed: bool
) -> Finding | None:
    """VULNERABLE: no visit to a vulnerable debtor, nor during an open dispute without agreement."""
    if profile.block_vulnerable_visits and debtor.vulnerable:
        return Finding(
            Rule.VULNERABLE,
            Severity.BLOCK,
            "the debtor is flagged vulnerable",
            {"reason": "vulnerable"},
        )
    if profile.block_visits_during_dispute and debtor.dispute_open and not dispute_agreed:
        return Finding(
            Rule.VULNERABLE,
            Severity.BLOCK,
            "a dispute is open and the debtor has not agreed to a visit",
            {"reason": "dispute_open"},
        )
    return None


def workplace_finding(profile: Profile, address: AddressFacts, consented: bool) -> Finding | None:
    """WORKPLACE: a visit at a work address needs the debtor's consent where the profile says so."""
    if address.kind != "work" or profile.workplace_visits == "off" or consented:
        return None
    return Finding(
        Rule.WORKPLACE,
        Severity(profile.workplace_visits),
        "visit at the debtor's workplace without the debtor's consent",
        {"address_id": address.address_id, "kind": address.kind},
    )


def sensitive_finding(profile: Profile, debtor: DebtorFacts, day: date) -> Finding | None:
    """SENSITIVE: a bereavement/disaster/wedding hold covers the visit's local date."""
    if profile.sensitive_holds == "off" or debtor.hold_until is None or day > debtor.hold_until:
        return None
    reason = debtor.hold_reason or "sensitive occasion"
    return Finding(
        Rule.SENSITIVE,
        Severity(profile.sensitive_holds),
        f"visits are on hold ({reason}) until {debtor.hold_until}",
        {"hold_until": str(debtor.hold_until), "hold_reason": debtor.hold_reason},
    )


def two_person_finding(profile: Profile, collector_ids: Sequence[str], what: str) -> Finding | None:
    """TWO_PERSON: enough distinct collectors assigned (or checked in)."""
    distinct = sorted(set(collector_ids))
    if len(distinct) >= profile.two_person_min:
        return None
    return Finding(
        Rule.TWO_PERSON,
        Severity.BLOCK,
        f"{len(distinct)} collector(s) {what}; at least {profile.two_person_min} needed",
        {
            "required": profile.two_person_min,
            "count": len(distinct),
            "collector_ids": distinct,
            "stage": what,
        },
    )


def credential_findings(
    profile: Profile, collector_ids: Sequence[str], collectors: Sequence[CollectorFacts], day: date
) -> list[Finding]:
    """CREDENTIALS: each assigned collector's certification, yearly training and ID on `day`."""
    by_id = {c.collector_id: c for c in collectors}
    findings = []
    for cid in dict.fromkeys(collector_ids):
        problems = _credential_problems(profile, by_id.get(cid), day)
        if problems:
            findings.append(
                Finding(
                    Rule.CREDENTIALS,
                    Severity.BLOCK,
                    f"collector {cid}: {', '.join(problems)}",
                    {"collector_id": cid, "problems": problems, "on": str(day)},
                )
            )
    return findings


def _credential_problems(profile: Profile, c: CollectorFacts | None, day: date) -> list[str]:
    needs = (
        profile.block_expired_certification,
        profile.training_max_age_days,
        profile.require_collector_id,
    )
    if c is None:
        return ["no credentials on file"] if any(needs) else []
    problems = []
    if profile.block_expired_certification and (
        c.certification_expires_on is None or c.certification_expires_on < day
    ):
        problems.append("certification expired or missing")
    max_age = profile.training_max_age_days
    if max_age and (
        c.training_completed_on is None or (day - c.training_completed_on).days > max_age
    ):
        problems.append(f"training older than {max_age} days or missing")
    if profile.require_collector_id and not c.has_id_number:
        problems.append("no ID number on file")
    return problems


def notice_finding(
    profile: Profile, visit_start: datetime, now: datetime, notice_given_at: datetime | None
) -> Finding | None:
    """NOTICE: warn when the required advance notice can no longer be given before the visit."""
    if profile.notice_hours <= 0:
        return None
    needed = timedelta(hours=profile.notice_hours)
    if notice_given_at is not None and notice_given_at <= visit_start - needed:
        return None
    if visit_start - now >= needed:
        return None  # still time: the reminder task (reminder_due_at) will give the notice
    return Finding(
        Rule.NOTICE,
        Severity.WARN,
        f"the visit is less than {profile.notice_hours} h away and was not announced",
        {
            "notice_hours": profile.notice_hours,
            "visit_start_utc": visit_start.isoformat(),
            "notice_given_at": notice_given_at.isoformat() if notice_given_at else None,
        },
    )


def third_party_finding(
    profile: Profile, outcome: str | None, discussed_debt: bool
) -> Finding | None:
    """THIRD_PARTY: a third party met may help locate the debtor but must not hear of the debt."""
    if not (profile.third_party_locate_only and outcome == THIRD_PARTY_MET and discussed_debt):
        return None
    return Finding(
        Rule.THIRD_PARTY,
        Severity.BLOCK,
        "debt details were discussed with a third party (locate-only)",
        {"outcome": outcome, "discussed_debt": True},
    )
