"""Compliance checks on facts a device pushed: findings become violations, the facts stay.

The sync push calls `check_synced_facts(session, {"check_ins": [ids], …})` after applying facts,
in its own transaction. Each affected visit is judged as a whole (check-ins, outcome, recording,
consents) and each finding is stored against the fact that shows it, once (dedupe key). Rules
about the visit as a whole (two collectors, recording, third parties) wait for its outcome: until
then the second collector's device may simply not have synced yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.compliance import CheckIn, Finding, Rule, SyncedVisitFacts, check_synced_visit_facts
from server.models import Address, Attachment, Case, Visit, VisitOutcome
from server.models import CheckIn as CheckInRow
from server.rules.effective import ProfileResolver
from server.rules.inputs import DEFAULT_TZ, address_facts, consents_of, debtor_facts
from server.rules.violations import ViolationContext, record_violations
from server.rules.windows_util import local_iso

_VISIT_OF = {"check_ins": CheckInRow, "visit_outcomes": VisitOutcome, "attachments": Attachment}
_WHOLE_VISIT = {Rule.TWO_PERSON, Rule.RECORDING, Rule.THIRD_PARTY}


def check_synced_facts(
    session: Session, applied_rows: Mapping[str, Iterable[str]], default_tz: str = DEFAULT_TZ
) -> int:
    """Judge the visits touched by newly applied facts; return how many violations were new."""
    visit_ids: set[str] = set()
    for table, model in _VISIT_OF.items():
        ids = list(applied_rows.get(table, ()))
        if ids:
            visit_ids |= set(session.scalars(select(model.visit_id).where(model.id.in_(ids))))
    resolver = ProfileResolver(session)
    return sum(_judge_visit(session, resolver, vid, default_tz) for vid in sorted(visit_ids))


def _offset(ms: int | None) -> timedelta:
    return timedelta(milliseconds=ms or 0)


def _judge_visit(session: Session, resolver: ProfileResolver, visit_id: str, tz: str) -> int:
    visit = session.get(Visit, visit_id)
    case = session.get(Case, visit.case_id)
    profile = resolver.for_case(case)
    address = address_facts(session.get(Address, visit.address_id), tz)
    check_ins = list(session.scalars(
        select(CheckInRow).where(CheckInRow.visit_id == visit_id, CheckInRow.kind == "in")
        .order_by(CheckInRow.recorded_at, CheckInRow.id)))
    outcome = session.scalar(select(VisitOutcome).where(VisitOutcome.visit_id == visit_id)
                             .order_by(VisitOutcome.recorded_at.desc()).limit(1))
    audio = session.scalar(select(Attachment).where(Attachment.visit_id == visit_id,
                                                    Attachment.kind == "audio")
                           .order_by(Attachment.recorded_at).limit(1))
    recording_at, recording_offset = None, timedelta(0)
    if audio is not None:
        recording_at, recording_offset = audio.recorded_at, _offset(audio.clock_offset_ms)
    elif outcome is not None and outcome.recording_made:
        # No audio file says when recording began: the outcome's time is the latest it could be.
        recording_at, recording_offset = outcome.recorded_at, _offset(outcome.clock_offset_ms)
    facts = SyncedVisitFacts(
        visit_id=visit_id, party_id=case.debtor_id, debt_id=case.id,
        check_ins=tuple(CheckIn(c.user_id or c.id, c.recorded_at, _offset(c.clock_offset_ms))
                        for c in check_ins),
        outcome=outcome.code if outcome else None,
        discussed_debt=bool(outcome and outcome.discussed_debt),
        recording_device_at=recording_at, clock_offset=recording_offset,
    )
    verdict = check_synced_visit_facts(profile, facts, debtor_facts(session, case), address,
                                       consents_of(session, case.debtor_id))
    base = {"case_id": case.id, "visit_id": visit_id, "profile": profile.code}
    created = 0
    for finding in verdict.findings:
        for fact_table, fact_id, user_id in _facts_showing(finding, check_ins, outcome, audio,
                                                           address.tz):
            context = ViolationContext(fact_table, fact_id, user_id=user_id, **base)
            created += record_violations(session, [finding], context)
    return created


def _facts_showing(finding: Finding, check_ins, outcome, audio, tz: str):
    """The facts a finding is stored against: late check-ins one by one, else the outcome."""
    if finding.rule is Rule.QUIET:
        late = {(c["collector_id"], c["local_time"]) for c in finding.details.get("check_ins", ())}
        return [("check_ins", c.id, c.user_id) for c in check_ins
                if ((c.user_id or c.id), local_iso(c.recorded_at, c.clock_offset_ms, tz)) in late]
    if finding.rule in _WHOLE_VISIT:
        if outcome is None:
            return []
        if finding.rule is Rule.RECORDING and audio is not None:
            return [("attachments", audio.id, audio.user_id)]
        return [("visit_outcomes", outcome.id, outcome.user_id)]
    if check_ins:
        return [("check_ins", check_ins[0].id, check_ins[0].user_id)]
    return [("visit_outcomes", outcome.id, outcome.user_id)] if outcome else []
