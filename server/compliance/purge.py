"""Retention purge: closed cases past the longest retention floor lose their personal data.

Purged (anonymised in place, ids kept so facts still join): the debtor's and related parties'
names, national ids, birth dates, gender, notes on vulnerability and holds, preferred hours;
their addresses' text, parts and coordinates; their contact points' values; visit notes' text
and outcome notes of the case; what the debtor's requests and the collectors' call logs said
(notes, reported numbers and addresses). Kept: payments and receipts, promises, consents,
check-ins, violations, the contact ledger and the audit trail (records the rules require), now
pointing at anonymous parties. A party still debtor of, or related to, a live case is not
touched.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.compliance.effective import ProfileResolver, placed_agencies
from server.compliance.engine import retention_cutoff
from server.db.feed import record_changes
from server.db.sql import chunks
from server.models import (
    Address,
    CallLog,
    Case,
    CaseEvent,
    CaseRequestFact,
    CaseStatus,
    ContactPoint,
    OfferRequest,
    Party,
    PartyRelationship,
    PaymentOffer,
    Visit,
    VisitNote,
    VisitOutcome,
)

PURGED = "[purged]"


def purge_expired_cases(session: Session, now: datetime) -> dict[str, int]:
    """Anonymise closed cases whose retention floor has passed; audit the counts."""
    due = _due_cases(session, now)
    counts = {"cases": len(due), "parties": 0, "addresses": 0, "contact_points": 0,
              "visit_notes": 0, "visit_outcomes": 0, "case_requests": 0, "call_logs": 0,
              "offer_requests": 0, "payment_offers": 0, "case_events": 0}
    if not due:
        return counts
    parties = _purgeable_parties(session, due)
    for batch in chunks(parties):
        counts["parties"] += _set(session, Party, Party.id.in_(batch), dict(
            full_name=PURGED, national_id=None, birth_date=None, gender=None,
            vulnerability_note=None, hold_reason=None, preferred_windows=[]))
        counts["addresses"] += _set(session, Address, Address.party_id.in_(batch), dict(
            raw_text=PURGED, province=None, city=None, district=None, street=None, adcode=None,
            lat=None, lng=None, proposed_lat=None, proposed_lng=None, accuracy_m=None))
        counts["contact_points"] += _set(session, ContactPoint, ContactPoint.party_id.in_(batch),
                                         dict(value=PURGED, valid=False))
    for batch in chunks(due):
        visits = select(Visit.id).where(Visit.case_id.in_(batch)).scalar_subquery()
        counts["visit_notes"] += _set(session, VisitNote, VisitNote.visit_id.in_(visits),
                                      dict(body=PURGED))
        counts["visit_outcomes"] += _set(session, VisitOutcome,
                                         VisitOutcome.visit_id.in_(visits), dict(note=None))
        counts["case_requests"] += _set(session, CaseRequestFact,
                                        CaseRequestFact.case_id.in_(batch),
                                        dict(note=None, value=None))
        counts["call_logs"] += _set(session, CallLog, CallLog.case_id.in_(batch),
                                    dict(note=None))
        # What was said about an offer; the offer's money and decision stay (like payments).
        counts["offer_requests"] += _set(session, OfferRequest,
                                         OfferRequest.case_id.in_(batch), dict(note=None))
        counts["payment_offers"] += _set(session, PaymentOffer,
                                         PaymentOffer.case_id.in_(batch),
                                         dict(note=None, decision_note=None))
        counts["case_events"] += session.execute(update(CaseEvent).where(
            CaseEvent.case_id.in_(batch)).values(note=None)).rowcount  # never on a phone
        _set(session, Case, Case.id.in_(batch), dict(purged_at=now))
    audit.record(session, None, "retention.purged", "case", None, counts)
    return counts


ENDED = (CaseStatus.CLOSED, CaseStatus.SETTLED, CaseStatus.RETURNED)


def _due_cases(session: Session, now: datetime) -> list[str]:
    last = func.coalesce(Case.last_activity_at, Case.closed_at)
    rows = session.execute(select(Case.id, Case.jurisdiction, Case.lender_id, last).where(
        # Settled and returned cases leave Doorstep too (server/cases/settlement.py).
        Case.status.in_(ENDED), Case.purged_at.is_(None), last.is_not(None),
        last <= now)).all()
    agencies = placed_agencies(session, [r[0] for r in rows])
    resolver = ProfileResolver(session)
    return [case_id for case_id, jurisdiction, lender_id, last_at in rows
            if retention_cutoff(resolver.merged(jurisdiction, lender_id,
                                                agencies.get(case_id, ())), last_at) <= now]


def _purgeable_parties(session: Session, due: list[str]) -> list[str]:
    due_set = set(due)
    debtors = {d for batch in chunks(due) for d in session.scalars(
        select(Case.debtor_id).where(Case.id.in_(batch)))}
    related = {p for batch in chunks(debtors) for p in session.scalars(
        select(PartyRelationship.party_id).where(PartyRelationship.debtor_id.in_(batch)))}
    candidates = debtors | related
    live_cases: dict[str, set[str]] = defaultdict(set)
    for batch in chunks(candidates):
        rel = PartyRelationship
        stmt = (select(Case.id, Case.debtor_id, rel.party_id)
                .outerjoin(rel, rel.debtor_id == Case.debtor_id)
                .where(Case.purged_at.is_(None),
                       or_(Case.debtor_id.in_(batch), rel.party_id.in_(batch))))
        for case_id, debtor_id, party_id in session.execute(stmt):
            if case_id not in due_set:
                live_cases[debtor_id].add(case_id)
                if party_id:
                    live_cases[party_id].add(case_id)
    return sorted(p for p in candidates if not live_cases.get(p))


def _set(session: Session, model, where, values: dict) -> int:
    table = model.__table__
    ids = session.execute(update(table).where(where).values(**values)
                          .returning(table.c.id)).scalars().all()
    record_changes(session, table.name, ids)
    return len(ids)
