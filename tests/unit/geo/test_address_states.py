import pytest

from server.addresses.geo.address_states import (
    TRANSITIONS,
    AddressEvent,
    AddressState,
    IllegalTransition,
    event_for_outcome,
    transition,
)
from server.errors import Conflict

S, E = AddressState, AddressEvent


def test_the_happy_path_ends_field_verified():
    state = transition(S.UNVERIFIED, E.GEOCODED, "building")
    assert state is S.GEOCODED
    assert transition(state, E.CHECK_IN_NEAR) is S.FIELD_VERIFIED


def test_a_geocode_too_coarse_to_dispatch_counts_as_failed():
    assert transition("unverified", "geocoded", "district") is S.GEOCODED
    assert transition("unverified", "geocoded", "city") is S.FAILED
    assert transition("unverified", "geocoded", "street", min_precision="building") is S.FAILED


def test_a_geocoded_event_needs_its_precision():
    with pytest.raises(ValueError, match="precision"):
        transition(S.UNVERIFIED, E.GEOCODED)


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (S.UNVERIFIED, E.GEOCODE_FAILED, S.FAILED),
        (S.FAILED, E.GEOCODED, S.GEOCODED),
        (S.GEOCODED, E.CHECK_INS_ELSEWHERE, S.NEEDS_REVERIFICATION),
        (S.FIELD_VERIFIED, E.WRONG_ADDRESS, S.NEEDS_REVERIFICATION),
        (S.FIELD_VERIFIED, E.MOVED, S.MOVED),
        (S.NEEDS_REVERIFICATION, E.CHECK_IN_NEAR, S.FIELD_VERIFIED),
        (S.NEEDS_REVERIFICATION, E.GEOCODED, S.GEOCODED),
        (S.MOVED, E.MANUAL_VERIFY, S.FIELD_VERIFIED),
        (S.MOVED, E.ADDRESS_CHANGED, S.UNVERIFIED),
        (S.FAILED, E.MANUAL_VERIFY, S.FIELD_VERIFIED),
    ],
)
def test_legal_transitions(state, event, expected):
    precision = "building" if event is E.GEOCODED else None
    assert transition(state, event, precision) is expected


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.UNVERIFIED, E.CHECK_IN_NEAR),  # nothing to be near to yet
        (S.FAILED, E.CHECK_INS_ELSEWHERE),
        (S.FIELD_VERIFIED, E.GEOCODED),  # the field outranks a geocoder
        (S.GEOCODED, E.GEOCODE_FAILED),  # a re-geocode needs address_changed first
        (S.MOVED, E.CHECK_IN_NEAR),
    ],
)
def test_illegal_transitions_raise_a_conflict_naming_both(state, event):
    with pytest.raises(IllegalTransition, match=f"{state.value}.*{event.value}") as caught:
        transition(state, event, "building")
    assert isinstance(caught.value, Conflict)
    assert caught.value.errors == {"state": state.value, "event": event.value}


def test_unknown_states_and_events_are_illegal():
    with pytest.raises(IllegalTransition):
        transition("lost", E.GEOCODED, "building")
    with pytest.raises(IllegalTransition):
        transition(S.GEOCODED, "teleported")


def test_every_state_can_be_reset_by_an_edit_and_verified_by_a_person():
    for state in S:
        assert TRANSITIONS[state][E.ADDRESS_CHANGED] is S.UNVERIFIED
        assert TRANSITIONS[state][E.MANUAL_VERIFY] is S.FIELD_VERIFIED


def test_visit_outcomes_map_to_address_events():
    assert event_for_outcome("WRONG_ADDRESS") is E.WRONG_ADDRESS
    assert event_for_outcome("moved") is E.MOVED
    assert event_for_outcome("NOT_HOME") is None
