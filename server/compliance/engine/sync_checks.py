"""Checks on facts a device observed offline: they are flagged and kept, never dropped."""

from __future__ import annotations

from collections.abc import Sequence

from .facts import (
    AddressFacts,
    Channel,
    Consent,
    ConsentKind,
    DebtorFacts,
    SyncedVisitFacts,
    active_consents,
    time_exceptions,
)
from .profiles import Profile
from .rules import cease_finding, third_party_finding, two_person_finding
from .verdicts import Finding, Rule, Severity, Verdict, verdict
from .windows import check_contact_time, zone


def check_synced_visit_facts(
    profile: Profile,
    visit: SyncedVisitFacts,
    debtor: DebtorFacts,
    address: AddressFacts,
    consents: Sequence[Consent],
) -> Verdict:
    """Return the findings to flag on a synced visit (the facts are kept whatever they say)."""
    tz = zone(address.tz)
    findings = [
        _quiet_check_ins(profile, visit, debtor, tz.key, consents),
        two_person_finding(profile, visit.collector_ids, "checked in"),
        _recording(profile, visit, consents),
        third_party_finding(profile, visit.outcome, visit.discussed_debt),
        cease_finding(profile, debtor, Channel.VISIT) if visit.collector_ids else None,
    ]
    offsets = {c.collector_id: c.clock_offset.total_seconds() for c in visit.check_ins}
    context = {
        "tz": tz.key,
        "profile": profile.code,
        "clock_corrected": any(offsets.values()) or bool(visit.clock_offset),
        "clock_offset_seconds": visit.clock_offset.total_seconds(),
        "check_in_clock_offsets": offsets,
    }
    return verdict(findings, context)


def _quiet_check_ins(
    profile: Profile,
    visit: SyncedVisitFacts,
    debtor: DebtorFacts,
    tz: str,
    consents: Sequence[Consent],
) -> Finding | None:
    late = []
    for check_in in sorted(visit.check_ins, key=lambda c: c.at_utc):
        exceptions = time_exceptions(consents, visit.party_id, check_in.at_utc)
        result = check_contact_time(
            profile,
            check_in.device_at,
            tz,
            debtor.preferred_windows,
            exceptions,
            check_in.clock_offset,
        )
        late += [(check_in, f) for f in result.findings]
    if not late:
        return None
    first = late[0][1]
    details = {
        **first.details,
        "check_ins": [
            {"collector_id": c.collector_id, "local_time": f.details["local_time"]} for c, f in late
        ],
    }
    return Finding(Rule.QUIET, Severity.BLOCK, f"check-in: {first.message}", details)


def _recording(
    profile: Profile, visit: SyncedVisitFacts, consents: Sequence[Consent]
) -> Finding | None:
    if visit.recording_device_at is None:
        if profile.recording_required and visit.collector_ids:
            return Finding(
                Rule.RECORDING, Severity.WARN, "the visit was not recorded", {"recorded": False}
            )
        return None
    started = visit.recording_device_at + visit.clock_offset
    if not profile.recording_consent_required or active_consents(
        consents, ConsentKind.RECORDING, visit.party_id, started
    ):
        return None
    return Finding(
        Rule.RECORDING,
        Severity.BLOCK,
        "recording started without a prior recording consent",
        {
            "recording_started_utc": started.isoformat(),
            "clock_offset_seconds": visit.clock_offset.total_seconds(),
            "clock_corrected": bool(visit.clock_offset),
        },
    )
