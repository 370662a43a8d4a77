"""What collectors find at the door moves the address through verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.addresses.field import CORRECTION_HISTORY, apply_field_evidence
from server.models import Address, AddressReport, CheckIn, Visit
from tests.integration.dispatch.world import PEOPLE_SQUARE, placed_case, world
from tests.support import factories as f

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
ELSEWHERE = (31.2400, 121.4900)  # ~1.9 km from People's Square


def _visit(session, address, case):
    visit = Visit(case_id=case.id, address_id=address.id, scheduled_on=AT.date())
    session.add(visit)
    session.flush()
    return visit


def _check_in(session, visit, collector, point, accuracy=10.0):
    return f.fact(session, CheckIn, AT, collector, visit_id=visit.id, lat=point[0], lng=point[1],
                  accuracy_m=accuracy)


def test_a_check_in_at_the_door_field_verifies_the_address(session):
    w = world(session)
    case, address = placed_case(session, w)
    near = _check_in(session, _visit(session, address, case), w.collectors[0],
                     (PEOPLE_SQUARE[0] + 0.0003, PEOPLE_SQUARE[1]))

    changes = apply_field_evidence(session, check_in_ids=[near.id])

    assert [(c.before, c.after) for c in changes] == [("geocoded", "field_verified")]
    assert session.get(Address, address.id).verified_at is not None


def test_consistent_check_ins_elsewhere_propose_a_correction(session):
    w = world(session)
    case, address = placed_case(session, w)
    first, second = _visit(session, address, case), _visit(session, address, case)
    def push(*fixes):
        ids = [_check_in(session, v, a, (ELSEWHERE[0] + d, ELSEWHERE[1])).id
               for v, a, d in fixes]
        return apply_field_evidence(session, check_in_ids=ids)

    one = push((first, w.collectors[0], 0.0))
    changes = push((first, w.collectors[1], 0.0001), (second, w.collectors[0], -0.0001))

    assert one == []  # one far fix is no evidence yet
    assert [c.after for c in changes] == ["needs_reverification"]
    row = session.get(Address, address.id)
    assert abs(row.proposed_lat - ELSEWHERE[0]) < 0.0005
    assert abs(row.proposed_lng - ELSEWHERE[1]) < 0.0005
    assert (row.lat, row.lng) == PEOPLE_SQUARE  # the stored point waits for a person


def test_a_wrong_address_outcome_flags_reverification(session):
    w = world(session)
    case, address = placed_case(session, w, state="field_verified")
    outcome = f.outcome(session, _visit(session, address, case), w.collectors[0], AT,
                        code="WRONG_ADDRESS")

    changes = apply_field_evidence(session, outcome_ids=[outcome.id])

    assert [(c.event, c.after) for c in changes] == [("wrong_address", "needs_reverification")]


def test_reports_mark_moved_or_store_the_reported_point(session):
    w = world(session)
    _, gone = placed_case(session, w)
    _, shifted = placed_case(session, w)
    moved = f.fact(session, AddressReport, AT, w.collectors[0], address_id=gone.id, kind="moved",
                   lat=30.0, lng=120.0)
    corrected = f.fact(session, AddressReport, AT, w.collectors[0], address_id=shifted.id,
                       kind="coordinates", lat=ELSEWHERE[0], lng=ELSEWHERE[1])

    apply_field_evidence(session, report_ids=[moved.id, corrected.id])

    assert session.get(Address, gone.id).verification_state == "moved"
    assert session.get(Address, gone.id).proposed_lat is None
    row = session.get(Address, shifted.id)
    assert row.verification_state == "needs_reverification"
    assert (row.proposed_lat, row.proposed_lng) == ELSEWHERE


def test_a_check_in_at_an_address_without_coordinates_changes_nothing(session):
    w = world(session)
    case, address = placed_case(session, w, at=None, state="unverified")
    fix = _check_in(session, _visit(session, address, case), w.collectors[0], PEOPLE_SQUARE)

    assert apply_field_evidence(session, check_in_ids=[fix.id]) == []
    assert session.get(Address, address.id).verification_state == "unverified"


def test_a_correction_follows_the_latest_check_ins_not_the_whole_history(session):
    """The address's latest CORRECTION_HISTORY check-ins decide (issue #20): where the door is
    now, at a cost that does not grow with the address's history."""
    w = world(session)
    case, address = placed_case(session, w)
    visits = [_visit(session, address, case) for _ in range(4)]
    before = (31.2500, 121.5000)  # ~3 km away: where check-ins used to land
    minute = iter(range(100))

    def push(visit_pair, point, n):
        ids = [f.fact(session, CheckIn, AT + timedelta(minutes=next(minute)), w.collectors[0],
                      visit_id=visit_pair[i % 2].id, lat=point[0] + i * 1e-5, lng=point[1],
                      accuracy_m=10.0).id for i in range(n)]
        return apply_field_evidence(session, check_in_ids=ids)

    push(visits[:2], before, 12)
    row = session.get(Address, address.id)
    assert abs(row.proposed_lat - before[0]) < 0.0005
    push(visits[2:], ELSEWHERE, CORRECTION_HISTORY)  # the whole history: 12 vs 10, no majority
    session.refresh(row)
    assert abs(row.proposed_lat - ELSEWHERE[0]) < 0.0005
    assert abs(row.proposed_lng - ELSEWHERE[1]) < 0.0005
