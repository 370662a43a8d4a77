"""The verification lifecycle of an address, as a transition table.

unverified -> geocoded -> field_verified, with failed / moved / needs_reverification on the
side. Field evidence outranks a geocoder: a field-verified address is never "re-geocoded".
Facts synced from devices are kept even when their event is illegal here: the caller then
records the fact and leaves the state as it is.
"""

from __future__ import annotations

from enum import StrEnum

from server.addresses.geo.geocoders import precision_rank
from server.errors import Conflict


class AddressState(StrEnum):
    """Where an address stands in verification."""

    UNVERIFIED = "unverified"
    GEOCODED = "geocoded"
    FIELD_VERIFIED = "field_verified"
    FAILED = "failed"
    MOVED = "moved"
    NEEDS_REVERIFICATION = "needs_reverification"


class AddressEvent(StrEnum):
    """What can happen to an address."""

    GEOCODED = "geocoded"
    GEOCODE_FAILED = "geocode_failed"
    CHECK_IN_NEAR = "check_in_near"
    CHECK_INS_ELSEWHERE = "check_ins_elsewhere"
    WRONG_ADDRESS = "wrong_address"  # visit outcome WRONG_ADDRESS
    MOVED = "moved"  # visit outcome MOVED
    MANUAL_VERIFY = "manual_verify"
    ADDRESS_CHANGED = "address_changed"  # the text was edited: start over


class IllegalTransition(Conflict):
    """The event cannot happen to an address in its current state."""


S, E = AddressState, AddressEvent
_ANYWHERE = {E.MANUAL_VERIFY: S.FIELD_VERIFIED, E.ADDRESS_CHANGED: S.UNVERIFIED, E.MOVED: S.MOVED}
_GEOCODING = {E.GEOCODED: S.GEOCODED, E.GEOCODE_FAILED: S.FAILED}
_FIELD = {
    E.CHECK_IN_NEAR: S.FIELD_VERIFIED,
    E.CHECK_INS_ELSEWHERE: S.NEEDS_REVERIFICATION,
    E.WRONG_ADDRESS: S.NEEDS_REVERIFICATION,
}
TRANSITIONS: dict[AddressState, dict[AddressEvent, AddressState]] = {
    # Without coordinates there is nothing for a check-in to be near to.
    S.UNVERIFIED: {**_ANYWHERE, **_GEOCODING, E.WRONG_ADDRESS: S.NEEDS_REVERIFICATION},
    # Re-geocoding needs ADDRESS_CHANGED first, so a provider hiccup cannot erase a result.
    S.GEOCODED: {**_ANYWHERE, **_FIELD},
    S.FIELD_VERIFIED: {**_ANYWHERE, **_FIELD},
    S.FAILED: {**_ANYWHERE, **_GEOCODING, E.WRONG_ADDRESS: S.NEEDS_REVERIFICATION},
    S.NEEDS_REVERIFICATION: {**_ANYWHERE, **_GEOCODING, **_FIELD},
    # The debtor left: only a person (or a new address text) reopens it.
    S.MOVED: _ANYWHERE,
}


def transition(
    state: AddressState | str,
    event: AddressEvent | str,
    precision: str | None = None,
    *,
    min_precision: str = "district",
) -> AddressState:
    """The next state, or IllegalTransition; a geocode coarser than min_precision fails."""
    try:
        state, event = AddressState(state), AddressEvent(event)
    except ValueError as exc:
        raise IllegalTransition(str(exc)) from None
    target = TRANSITIONS[state].get(event)
    if target is None:
        raise IllegalTransition(
            f"an address in state {state.value!r} cannot take event {event.value!r}",
            {"state": state.value, "event": event.value},
        )
    if event is E.GEOCODED:
        if precision is None:
            raise ValueError("a 'geocoded' event needs the result's precision")
        # A city-level point cannot send collectors to a door; treat it as a failed geocode.
        if precision_rank(precision) > precision_rank(min_precision):
            return S.FAILED
    return target


OUTCOME_EVENTS = {"WRONG_ADDRESS": E.WRONG_ADDRESS, "MOVED": E.MOVED}


def event_for_outcome(outcome: str) -> AddressEvent | None:
    """The address event a visit outcome code implies (WRONG_ADDRESS, MOVED), if any."""
    return OUTCOME_EVENTS.get(outcome.strip().upper())
