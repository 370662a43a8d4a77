"""Compliance checks on facts a device pushed: findings become violations, the facts stay.

The sync push calls `check_synced_facts(session, {"check_ins": [ids], …})` after applying facts,
in its own transaction. Each affected visit is judged as a whole (check-ins, outcome, recording,
consents) and each finding is stored against the fact that shows it, once (dedupe key). Rules
about the visit as a whole (two collectors, recording, third parties) wait for its outcome: until
then the second collector's device may simply not have synced yet.

Set-based and linear in the new facts: what the rules need about all touched visits is loaded in
a fixed number of queries, each bounded per visit whatever its history (its earliest check-in,
the first few distinct collectors who checked in, its latest outcome, its first recording), and
only the newly applied check-ins are judged one by one (quiet hours: a check-in's own time
decides, and older ones were judged when they arrived). Each visit is judged by the pure
engine, and the violations are written in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from server.clock import local_iso
from server.compliance.effective import ProfileResolver
from server.compliance.engine import (
    CheckIn,
    Finding,
    Rule,
    SyncedVisitFacts,
    check_synced_visit_facts,
)
from server.compliance.inputs import DEFAULT_TZ, address_facts, consents_for, debtor_facts_for
from server.compliance.violations import (
    ViolationContext,
    resolve_violations,
    store_violations,
    violation_row,
)
from server.db.bulk import in_values
from server.models import Address, Attachment, Case, Visit, VisitOutcome, utcnow
from server.models import CheckIn as CheckInRow

_VISIT_OF = {"check_ins": CheckInRow, "visit_outcomes": VisitOutcome, "attachments": Attachment}
_WHOLE_VISIT = {Rule.TWO_PERSON, Rule.RECORDING, Rule.THIRD_PARTY}
# Whole-visit findings that later facts can disprove: the partner's check-in synced after the
# first phone's outcome shows the visit had two collectors after all.
_SELF_CLOSING = (str(Rule.TWO_PERSON),)


@dataclass
class _VisitFacts:
    """What the checks read of one visit: its new in-check-ins, its earliest in-check-in, the
    distinct collectors who checked in (at most the bound), latest outcome, first audio."""

    check_ins: list = field(default_factory=list)
    first: object | None = None
    collectors: list = field(default_factory=list)
    outcome: object | None = None
    audio: object | None = None


def check_synced_facts(
    session: Session, applied_rows: Mapping[str, Iterable[str]], default_tz: str = DEFAULT_TZ
) -> int:
    """Judge the visits touched by newly applied facts; return how many violations were new."""
    visit_ids = _touched_visits(session, applied_rows)
    if not visit_ids:
        return 0
    visits = session.execute(
        select(Visit.id, Visit.address_id, Case.id.label("case_id"), Case.debtor_id,
               Case.dispute_open, Case.jurisdiction, Case.lender_id,
               Address.kind.label("address_kind"), Address.time_zone)
        .join(Case, Case.id == Visit.case_id)
        .outerjoin(Address, Address.id == Visit.address_id)
        .where(in_values(session, Visit.id, visit_ids))).all()
    cases = list({v.case_id: _CaseRow(v) for v in visits}.values())
    profiles = ProfileResolver(session).for_cases(cases)
    debtors = debtor_facts_for(session, cases)
    consents = consents_for(session, {c.debtor_id for c in cases})
    # Enough distinct collectors to tell whether the strictest profile's pair is there.
    bound = max((p.two_person_min for p in profiles.values()), default=1) + 1
    facts = _visit_facts(session, visit_ids, list(applied_rows.get("check_ins", ())), bound)
    now, rows, shown = utcnow(), [], set()
    for visit in sorted(visits, key=lambda v: v.id):
        address = address_facts(_AddressRow(visit) if visit.address_id else None, default_tz)
        profile = profiles[visit.case_id]
        verdict = check_synced_visit_facts(
            profile, _engine_facts(visit, facts[visit.id]), debtors[visit.case_id], address,
            consents.get(visit.debtor_id, []))
        base = {"case_id": visit.case_id, "visit_id": visit.id, "profile": profile.code}
        shown |= {(visit.id, str(f.rule)) for f in verdict.findings}
        for finding in verdict.findings:
            for fact_table, fact_id, user_id in _facts_showing(finding, facts[visit.id],
                                                               address.tz):
                context = ViolationContext(fact_table, fact_id, user_id=user_id, **base)
                rows.append(violation_row(finding, context, now))
    judged = [v.id for v in visits if facts[v.id].outcome is not None]
    resolve_violations(session, judged, _SELF_CLOSING, shown, now)
    return store_violations(session, rows)


class _CaseRow:
    """The case columns of a visit row under the names the input builders read."""

    def __init__(self, visit):
        self.id, self.debtor_id, self.dispute_open = (visit.case_id, visit.debtor_id,
                                                      visit.dispute_open)
        self.jurisdiction, self.lender_id = visit.jurisdiction, visit.lender_id


class _AddressRow:
    """The address columns of a visit row under the names `address_facts` reads."""

    def __init__(self, visit):
        self.id, self.kind, self.time_zone = (visit.address_id, visit.address_kind,
                                              visit.time_zone)


def _touched_visits(session: Session, applied_rows: Mapping[str, Iterable[str]]) -> list[str]:
    """The visits of the applied facts, in one query."""
    parts = []
    for table, model in _VISIT_OF.items():
        ids = list(applied_rows.get(table, ()))
        if ids:
            parts.append(select(model.visit_id).where(in_values(session, model.id, ids)))
    if not parts:
        return []
    stmt = parts[0] if len(parts) == 1 else union(*parts)
    return sorted({vid for vid in session.scalars(stmt) if vid is not None})


def _visit_facts(session: Session, visit_ids: list[str], new_check_ins: list[str],
                 bound: int) -> dict[str, _VisitFacts]:
    """Per visit, in a fixed number of queries each returning at most a few rows per visit:
    the new in-check-ins (by device time, id), the earliest in-check-in, up to `bound`
    distinct collectors checked in, the latest outcome and the first audio."""
    out: dict[str, _VisitFacts] = defaultdict(_VisitFacts)
    c = CheckInRow
    if new_check_ins:
        for row in session.execute(
                select(c.id, c.visit_id, c.user_id, c.recorded_at, c.clock_offset_ms)
                .where(in_values(session, c.id, new_check_ins), c.kind == "in",
                       in_values(session, c.visit_id, visit_ids))
                .order_by(c.recorded_at, c.id)):
            out[row.visit_id].check_ins.append(row)
    in_visits = (in_values(session, c.visit_id, visit_ids), c.kind == "in")
    for row in session.execute(_first_per_visit(
            select(c.id, c.visit_id, c.user_id).where(*in_visits),
            c.visit_id, c.recorded_at, c.id)):
        out[row.visit_id].first = row  # the earliest by device time
    collector = func.coalesce(c.user_id, c.id)  # a check-in without a user is its own collector
    who = (select(c.visit_id, collector.label("collector"),
                  func.min(c.recorded_at).label("since"))
           .where(*in_visits).group_by(c.visit_id, collector).subquery())
    ranked = select(who.c.visit_id, who.c.collector, func.row_number().over(
        partition_by=who.c.visit_id, order_by=(who.c.since, who.c.collector)).label("_rank")
    ).subquery()
    for row in session.execute(select(ranked.c.visit_id, ranked.c.collector)
                               .where(ranked.c._rank <= bound)):
        out[row.visit_id].collectors.append(row.collector)
    o = VisitOutcome
    for row in session.execute(_first_per_visit(
            select(o.id, o.visit_id, o.user_id, o.code, o.discussed_debt, o.recording_made,
                   o.recorded_at, o.clock_offset_ms)
            .where(in_values(session, o.visit_id, visit_ids)),
            o.visit_id, o.recorded_at.desc(), o.id.desc())):
        out[row.visit_id].outcome = row  # the latest by device time
    a = Attachment
    for row in session.execute(_first_per_visit(
            select(a.id, a.visit_id, a.user_id, a.recorded_at, a.clock_offset_ms)
            .where(in_values(session, a.visit_id, visit_ids), a.kind == "audio"),
            a.visit_id, a.recorded_at, a.id)):
        out[row.visit_id].audio = row  # the first recording by device time
    return out


def _first_per_visit(stmt, visit_id, *order):
    """Only the first row of each visit in `order` (a window, so one query for all visits)."""
    ranked = stmt.add_columns(func.row_number().over(partition_by=visit_id, order_by=order)
                              .label("_rank")).subquery()
    return select(*(c for c in ranked.c if c.key != "_rank")).where(ranked.c._rank == 1)


def _offset(ms: int | None) -> timedelta:
    return timedelta(milliseconds=ms or 0)


def _engine_facts(visit, facts: _VisitFacts) -> SyncedVisitFacts:
    outcome, audio = facts.outcome, facts.audio
    recording_at, recording_offset = None, timedelta(0)
    if audio is not None:
        recording_at, recording_offset = audio.recorded_at, _offset(audio.clock_offset_ms)
    elif outcome is not None and outcome.recording_made:
        # No audio file says when recording began: the outcome's time is the latest it could be.
        recording_at, recording_offset = outcome.recorded_at, _offset(outcome.clock_offset_ms)
    return SyncedVisitFacts(
        visit_id=visit.id, party_id=visit.debtor_id, debt_id=visit.case_id,
        check_ins=tuple(CheckIn(c.user_id or c.id, c.recorded_at, _offset(c.clock_offset_ms))
                        for c in facts.check_ins),
        outcome=outcome.code if outcome else None,
        discussed_debt=bool(outcome and outcome.discussed_debt),
        recording_device_at=recording_at, clock_offset=recording_offset,
        present=tuple(facts.collectors),
    )


def _facts_showing(finding: Finding, facts: _VisitFacts, tz: str):
    """The facts a finding is stored against: late check-ins one by one, else the outcome."""
    check_ins, outcome, audio = facts.check_ins, facts.outcome, facts.audio  # the new check-ins
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
    if facts.first is not None:  # the visit's earliest check-in, old or new
        return [("check_ins", facts.first.id, facts.first.user_id)]
    return [("visit_outcomes", outcome.id, outcome.user_id)] if outcome else []
