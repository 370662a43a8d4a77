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
    """Per visit, in a fixed number of queries that each probe an index a few times per visit
    (never read its history): the new in-check-ins (by device time, id), the earliest
    in-check-in, up to `bound` distinct collectors checked in, the latest outcome and the first
    audio."""
    out: dict[str, _VisitFacts] = defaultdict(_VisitFacts)
    c, o, a = CheckInRow, VisitOutcome, Attachment
    if new_check_ins:
        for row in session.execute(
                select(c.id, c.visit_id, c.user_id, c.recorded_at, c.clock_offset_ms)
                .where(in_values(session, c.id, new_check_ins), c.kind == "in")
                .order_by(c.recorded_at, c.id)):
            out[row.visit_id].check_ins.append(row)
    first = _first_per_visit(session, c, visit_ids, (c.recorded_at, c.id), c.kind == "in")
    for row in session.execute(select(c.id, c.visit_id, c.user_id)
                               .where(in_values(session, c.id, first))):
        out[row.visit_id].first = row  # the earliest by device time
    for visit_id, collectors in _collectors(session, visit_ids, bound).items():
        out[visit_id].collectors = collectors
    latest = _first_per_visit(session, o, visit_ids, (o.recorded_at.desc(), o.id.desc()))
    for row in session.execute(
            select(o.id, o.visit_id, o.user_id, o.code, o.discussed_debt, o.recording_made,
                   o.recorded_at, o.clock_offset_ms).where(in_values(session, o.id, latest))):
        out[row.visit_id].outcome = row  # the latest by device time
    audio = _first_per_visit(session, a, visit_ids, (a.recorded_at, a.id), a.kind == "audio")
    for row in session.execute(
            select(a.id, a.visit_id, a.user_id, a.recorded_at, a.clock_offset_ms)
            .where(in_values(session, a.id, audio))):
        out[row.visit_id].audio = row  # the first recording by device time
    return out


def _first_per_visit(session: Session, model, visit_ids: list[str], order, *where) -> list[str]:
    """The id of each visit's first row in `order`: one correlated `LIMIT 1` per visit, which
    the (visit_id, recorded_at, id) index answers with one probe whatever the visit holds (the
    rows are then read by id: joined in one statement, the planner may scan the whole table)."""
    first = (select(model.id).where(model.visit_id == Visit.id, *where).order_by(*order)
             .limit(1).correlate(Visit).scalar_subquery())
    return [i for i in session.scalars(select(first).where(in_values(session, Visit.id,
                                                                       visit_ids)))
            if i is not None]


def _collectors(session: Session, visit_ids: list[str], bound: int) -> dict[str, list[str]]:
    """Up to `bound` distinct collectors checked in at each visit (a check-in without a user is
    its own collector), a few index probes per visit whatever its history: a loose scan of the
    (visit_id, kind, coalesce(user_id, id)) index, each level the smallest collector above the
    previous one. (Ordered by the expression, so the planner cannot walk the user_id index
    instead, which reads every check-in of a collector to find one of this visit.)"""
    c = CheckInRow
    collector = func.coalesce(c.user_id, c.id)

    def above(visit_id, previous):
        cond = [c.visit_id == visit_id, c.kind == "in"]
        if previous is not None:
            cond.append(collector > previous)
        return select(collector).where(*cond).order_by(collector).limit(1).scalar_subquery()

    level = select(Visit.id.label("visit_id"), above(Visit.id, None).label("u0")).where(
        in_values(session, Visit.id, visit_ids)).subquery()
    for n in range(1, bound):
        level = select(*level.c, above(level.c.visit_id, level.c[f"u{n - 1}"])
                       .label(f"u{n}")).subquery()
    found = ((row.visit_id, [u for u in row[1:] if u is not None])
             for row in session.execute(select(level)))
    return {visit_id: collectors for visit_id, collectors in found if collectors}


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
