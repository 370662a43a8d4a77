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

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from server.addresses.geo.address_states import (
    AddressEvent,
    IllegalTransition,
    event_for_outcome,
    transition,
)
from server.addresses.geo.geocoders import DEFAULT_ACCURACY_M
from server.addresses.geo.verification import (
    FAR,
    VERIFIED,
    Fix,
    check_in_verdict,
    propose_correction,
)
from server.db.bulk import in_values, is_postgres
from server.models import Address, AddressReport, CheckIn, Visit, VisitOutcome, utcnow

UNKNOWN_ACCURACY_M = 1e6  # a fix without an accuracy proves nothing ('inconclusive')
# A correction is proposed from the address's latest check-ins, not its whole history: recent
# fixes say where the door is now, and the cost of a new fix stays flat (clustering is quadratic
# in the fixes; decision D-effects-linear).
CORRECTION_HISTORY = 10
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
    # Locked in id order before they are read: two drains judging the same address take turns
    # (each sees the other's state move) and always lock in the same order.
    addresses = {a.id: a for a in session.scalars(
        select(Address).where(Address.id.in_(list(events))).order_by(Address.id)
        .with_for_update())} if events else {}
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
                           .where(in_values(session, VisitOutcome.id, ids))
                           .order_by(VisitOutcome.recorded_at))
    return [(aid, event, None) for aid, code in rows
            if (event := event_for_outcome(code)) is not None]


def _report_events(session: Session, ids: list[str]):
    """(address id, event, reported point) for collectors' address reports."""
    if not ids:
        return []
    r = AddressReport
    reports = session.execute(select(r.address_id, r.kind, r.lat, r.lng)
                              .where(in_values(session, r.id, ids)).order_by(r.recorded_at))
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
    a, c = Address, CheckIn
    rows = session.execute(select(a.id, a.lat, a.lng, a.accuracy_m, a.precision,
                                  c.lat.label("c_lat"), c.lng.label("c_lng"),
                                  c.accuracy_m.label("c_accuracy_m"))
                           .join(Visit, Visit.id == c.visit_id)
                           .join(a, a.id == Visit.address_id)
                           .where(in_values(session, c.id, ids))).all()
    verdicts = [(r, _verdict(r, r.c_lat, r.c_lng, r.c_accuracy_m)) for r in rows
                if r.lat is not None]
    near = sorted({r.id for r, verdict in verdicts if verdict == VERIFIED})
    out = [(aid, AddressEvent.CHECK_IN_NEAR, None) for aid in near]
    doubtful = {r.id: r for r, verdict in verdicts if r.id not in near and verdict == FAR}
    if not doubtful:
        return out
    # The latest check-ins made at these addresses: one new far fix joins the older ones.
    history = session.execute(_latest_check_ins(session, sorted(doubtful))).all()
    fixes: dict[str, list[Fix]] = defaultdict(list)
    for h in history:
        if _verdict(doubtful[h.address_id], h.lat, h.lng, h.accuracy_m) == FAR:
            fixes[h.address_id].append(Fix(h.lat, h.lng, _accuracy(h.accuracy_m), h.visit_id))
    for aid in sorted(fixes):
        correction = propose_correction(fixes[aid])
        if correction is not None:
            out.append((aid, AddressEvent.CHECK_INS_ELSEWHERE, (correction.lat, correction.lng)))
    return out


def _latest_check_ins(session: Session, address_ids: list[str]):
    """The latest CORRECTION_HISTORY check-ins at each address (lat, lng, accuracy_m, visit_id,
    address_id). On PostgreSQL each of the addresses' visits gives its latest ones by a probe of
    the (visit_id, recorded_at, id) index (LATERAL … LIMIT), so a visit's history is not read."""
    c = CheckIn
    if is_postgres(session):
        recent = (select(c.lat, c.lng, c.accuracy_m, c.visit_id, c.recorded_at, c.id)
                  .where(c.visit_id == Visit.id).order_by(c.recorded_at.desc(), c.id.desc())
                  .limit(CORRECTION_HISTORY).lateral())
        source = (select(recent.c.lat, recent.c.lng, recent.c.accuracy_m, recent.c.visit_id,
                         Visit.address_id, recent.c.recorded_at, recent.c.id)
                  .select_from(Visit).join(recent, true())
                  .where(in_values(session, Visit.address_id, address_ids))).subquery()
    else:
        source = (select(c.lat, c.lng, c.accuracy_m, c.visit_id, Visit.address_id,
                         c.recorded_at, c.id)
                  .join(Visit, Visit.id == c.visit_id)
                  .where(in_values(session, Visit.address_id, address_ids))).subquery()
    ranked = select(source.c.lat, source.c.lng, source.c.accuracy_m, source.c.visit_id,
                    source.c.address_id, func.row_number().over(
                        partition_by=source.c.address_id,
                        order_by=(source.c.recorded_at.desc(), source.c.id.desc())
                    ).label("_rank")).subquery()
    return (select(ranked.c.lat, ranked.c.lng, ranked.c.accuracy_m, ranked.c.visit_id,
                   ranked.c.address_id).where(ranked.c._rank <= CORRECTION_HISTORY))


def _accuracy(accuracy_m: float | None) -> float:
    return accuracy_m if accuracy_m is not None else UNKNOWN_ACCURACY_M


def _verdict(address, lat: float, lng: float, accuracy_m: float | None) -> str:
    """A check-in at (lat, lng) judged against an address (row or object with lat, lng,
    accuracy_m, precision)."""
    accuracy = address.accuracy_m or DEFAULT_ACCURACY_M.get(address.precision or "", 300.0)
    return check_in_verdict(address.lat, address.lng, accuracy, lat, lng, _accuracy(accuracy_m))
