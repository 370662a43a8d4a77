"""Placement and recall (委外): only the lender places its cases with agencies, takes them back
or moves them. Every move is audited; a recall closes the agency's work on the case at once
(server/cases/settlement.py), so its staff stop seeing it and its phones forget it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.cases.settlement import close_case_work, end_cases
from server.db.sql import chunks
from server.errors import Conflict, InvalidInput
from server.models import Agency, AgencyKind, Case, CaseStatus, Placement

RECALL_REASONS = ("period_end", "performance", "complaint", "lender_decision", "other")
ACTIVE = (CaseStatus.OPEN, CaseStatus.PAUSED, CaseStatus.RETURNED)


def _cases(session: Session, lender_id: str, refs: Iterable[str]) -> dict[str, Case]:
    """The lender's cases by its case ids; an unknown one is a 422 listing it."""
    refs = list(dict.fromkeys(refs))
    found = {c.external_id: c for batch in chunks(refs) for c in session.scalars(
        select(Case).where(Case.lender_id == lender_id, Case.external_id.in_(batch)))}
    unknown = [r for r in refs if r not in found]
    if unknown:
        raise InvalidInput("unknown case ids", {"cases": [
            f"no case of this lender with the id {r}" for r in unknown[:100]]})
    return found


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None or agency.kind != AgencyKind.OUTSOURCED:
        raise InvalidInput(f"no agency {code!r}", {"agency": ["no collection agency with this "
                                                              "code"]})
    return agency


def _current(session: Session, case_ids: list[str], lock: bool = False) -> dict[str, Placement]:
    """The cases' open placements; `lock`: row locks, so of two recalls at once the second
    waits and then finds them returned (PostgreSQL re-reads the condition after the wait)."""
    stmt = select(Placement).where(Placement.returned_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return {p.case_id: p for batch in chunks(case_ids)
            for p in session.scalars(stmt.where(Placement.case_id.in_(batch)))}


def place_cases(session: Session, actor_id: str | None, lender_id: str, refs: list[str],
                agency_code: str, ends_on: date | None, now: datetime) -> dict:
    """Place cases with an agency; a case placed elsewhere must be re-placed (409)."""
    agency, cases = _agency(session, agency_code), _cases(session, lender_id, refs)
    current = _current(session, [c.id for c in cases.values()])
    elsewhere = sorted(ref for ref, c in cases.items()
                       if c.id in current and current[c.id].agency_id != agency.id)
    closed = sorted(ref for ref, c in cases.items() if c.status not in ACTIVE)
    if elsewhere or closed:
        raise Conflict("some cases cannot be placed", {"cases": [
            *(f"{r} is placed with another agency: re-place it" for r in elsewhere[:100]),
            *(f"{r} is {cases[r].status}" for r in closed[:100])]})
    new = [c for c in cases.values() if c.id not in current]
    session.add_all([Placement(case_id=c.id, agency_id=agency.id, placed_at=now,
                               ends_on=ends_on) for c in new])
    for case in new:
        case.status = CaseStatus.OPEN if case.status == CaseStatus.RETURNED else case.status
    audit.record(session, actor_id, "placement.place", "agency", agency.id,
                 {"case_ids": [c.id for c in new], "ends_on": ends_on and ends_on.isoformat()})
    return {"placed": len(new), "unchanged": len(cases) - len(new), "agency": agency.code}


def recall_cases(session: Session, actor_id: str | None, lender_id: str, refs: list[str],
                 reason: str, note: str | None, return_case: bool, now: datetime) -> dict:
    """Take cases back from their agencies; `return_case`: back to the lender for good."""
    cases = _cases(session, lender_id, refs)
    ids = [c.id for c in cases.values()]
    current = _current(session, ids, lock=True)
    for placement in current.values():
        placement.returned_at = now
    why = f"recalled ({reason})" + (f": {note}" if note else "")
    if return_case:
        counts = end_cases(session, ids, CaseStatus.RETURNED, why, now, actor_id)
    else:
        counts = close_case_work(session, ids, why, now)
    audit.record(session, actor_id, "placement.recall", "lender", lender_id, {
        "case_ids": ids, "reason": reason, "note": note, "returned": return_case,
        "agencies": sorted({p.agency_id for p in current.values()}), **counts})
    return {"recalled": len(current), "returned": len(ids) if return_case else 0, **counts}


def replace_cases(session: Session, actor_id: str | None, lender_id: str, refs: list[str],
                  agency_code: str, reason: str, note: str | None, ends_on: date | None,
                  now: datetime) -> dict:
    """Recall cases from their agencies and place them with another one."""
    _agency(session, agency_code)
    recalled = recall_cases(session, actor_id, lender_id, refs, reason, note, False, now)
    session.flush()
    placed = place_cases(session, actor_id, lender_id, refs, agency_code, ends_on, now)
    return {**recalled, **placed}


def recall_due_placements(session: Session, today: date, now: datetime) -> dict:
    """The scheduler's job: placements whose period ended before today are recalled."""
    due = session.execute(select(Case.lender_id, Case.external_id)
                          .join(Placement, Placement.case_id == Case.id)
                          .where(Placement.returned_at.is_(None), Placement.ends_on < today)
                          ).all()
    by_lender: dict[str, list[str]] = {}
    for lender_id, ref in due:
        by_lender.setdefault(lender_id, []).append(ref)
    for lender_id, refs in by_lender.items():
        recall_cases(session, None, lender_id, refs, "period_end", None, False, now)
    return {"recalled": len(due)}
