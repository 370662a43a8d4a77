"""Field evidence from synced facts moves an address through verification.

Called by the sync push after facts are applied, in its transaction: a check-in within the
accuracy-aware radius field-verifies the address; check-ins that agree on another spot propose
a correction (needs_reverification, proposed_lat/lng); WRONG_ADDRESS / MOVED outcomes and
address reports flag it. Negative evidence is applied after positive evidence of the same
push. A fact whose event the address's state forbids is left as it is (facts are never dropped).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.geo.address_states import (
    AddressEvent,
    IllegalTransition,
    event_for_outcome,
    transition,
)
from server.geo.geocoders import DEFAULT_ACCURACY_M
from server.geo.verification import FAR, VERIFIED, Fix, assess_check_in, propose_correction
from server.models import Address, AddressReport, CheckIn, Visit, VisitOutcome, utcnow

UNKNOWN_ACCURACY_M = 1e6  # a fix without an accuracy proves nothing ('inconclusive')
REPORT_EVENTS = {"moved": AddressEvent.MOVED, "wrong": AddressEvent.WRONG_ADDRESS,
                 "coordinates": AddressEvent.CHECK_INS_ELSEWHERE,
                 "new_address": AddressEvent.WRONG_ADDRESS}


@dataclass(frozen=True)
class Change:
    address_id: str
    before: str
    after: str
    event: str


def apply_field_evidence(session: Session, check_in_ids: Iterable[str] = (),
                         outcome_ids: Iterable[str] = (), report_ids: Iterable[str] = (),
                         now: datetime | None = None) -> list[Change]:
    """Apply newly synced facts to their addresses; return the state changes made."""
    now = now or utcnow()
    events: dict[str, list[tuple[AddressEvent, tuple | None]]] = defaultdict(list)
    for address_id, event, point in (*_check_in_events(session, list(check_in_ids)),
                                     *_outcome_events(session, list(outcome_ids)),
                                     *_report_events(session, list(report_ids))):
        events[address_id].append((event, point))
    addresses = {a.id: a for a in session.scalars(
        select(Address).where(Address.id.in_(list(events))))} if events else {}
    changes = []
    for address_id in sorted(events):
        changes += _apply(addresses[address_id], events[address_id], now)
    session.flush()
    return changes


def _outcome_events(session: Session, ids: list[str]):
    """(address id, event, None) for WRONG_ADDRESS / MOVED outcomes."""
    if not ids:
        return []
    rows = session.execute(select(Visit.address_id, VisitOutcome.code)
                           .join(Visit, Visit.id == VisitOutcome.visit_id)
                           .where(VisitOutcome.id.in_(ids)).order_by(VisitOutcome.recorded_at))
    return [(aid, event, None) for aid, code in rows
            if (event := event_for_outcome(code)) is not None]


def _report_events(session: Session, ids: list[str]):
    """(address id, event, reported point) for collectors' address reports."""
    if not ids:
        return []
    reports = session.scalars(select(AddressReport).where(AddressReport.id.in_(ids))
                              .order_by(AddressReport.recorded_at))
    # A 'moved' report's point is where the debtor went, not where this address is.
    return [(r.address_id, REPORT_EVENTS.get(r.kind, AddressEvent.WRONG_ADDRESS),
             (r.lat, r.lng) if r.lat is not None and r.kind != "moved" else None)
            for r in reports]


def _apply(address: Address, events, now: datetime) -> list[Change]:
    changes = []
    for event, point in events:
        before = address.verification_state
        try:
            after = transition(before, event).value
        except IllegalTransition:
            continue
        address.verification_state = after
        if event is AddressEvent.CHECK_IN_NEAR:
            address.verified_at, address.proposed_lat, address.proposed_lng = now, None, None
        elif point is not None:
            address.proposed_lat, address.proposed_lng = point
        changes.append(Change(address.id, before, after, event.value))
    return changes


def _check_in_events(session: Session, ids: list[str]):
    """(address id, event, proposed point) from check-ins: near ones first, then corrections."""
    if not ids:
        return []
    rows = session.execute(select(CheckIn, Address).join(Visit, Visit.id == CheckIn.visit_id)
                           .join(Address, Address.id == Visit.address_id)
                           .where(CheckIn.id.in_(ids))).all()
    near = sorted({a.id for c, a in rows if a.lat is not None and _verdict(a, c) == VERIFIED})
    out = [(aid, AddressEvent.CHECK_IN_NEAR, None) for aid in near]
    doubtful = {a.id: a for c, a in rows if a.lat is not None and a.id not in near
                and _verdict(a, c) == FAR}
    if not doubtful:
        return out
    # Every check-in ever made at these addresses: one new far fix joins the older ones.
    history = session.execute(select(CheckIn, Visit.address_id)
                              .join(Visit, Visit.id == CheckIn.visit_id)
                              .where(Visit.address_id.in_(list(doubtful)))).all()
    fixes: dict[str, list[Fix]] = defaultdict(list)
    for c, aid in history:
        if _verdict(doubtful[aid], c) == FAR:
            fixes[aid].append(Fix(c.lat, c.lng, _accuracy(c), c.visit_id))
    for aid in sorted(fixes):
        correction = propose_correction(fixes[aid])
        if correction is not None:
            out.append((aid, AddressEvent.CHECK_INS_ELSEWHERE, (correction.lat, correction.lng)))
    return out


def _accuracy(check_in: CheckIn) -> float:
    return check_in.accuracy_m if check_in.accuracy_m is not None else UNKNOWN_ACCURACY_M


def _verdict(address: Address, check_in: CheckIn) -> str:
    accuracy = address.accuracy_m or DEFAULT_ACCURACY_M.get(address.precision or "", 300.0)
    return assess_check_in(address.lat, address.lng, accuracy, check_in.lat, check_in.lng,
                           _accuracy(check_in)).verdict
