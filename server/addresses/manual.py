"""A dispatcher verifies an address by hand (a call, a photo, accepting a proposed point)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from server.access import Caller
from server.addresses.geo.address_states import AddressEvent, transition
from server.addresses.geo.timezones import timezone_for
from server.addresses.queries import get_visible_address
from server.audit import service as audit
from server.errors import InvalidInput
from server.models import Address

MANUAL_ACCURACY_M = 50.0  # a point a person confirmed: building level
# A confirmation without a point ("by phone") vouches for the stored point only if that point
# is a house: a street, district or city centroid stays what it is until someone gives a point.
HOUSE_PRECISIONS = ("rooftop", "building")


def verify_address(session: Session, caller: Caller, address_id: str, note: str,
                   point: tuple[float, float] | None, accept_proposed: bool,
                   tz_overrides: Mapping[str, str], now: datetime) -> Address:
    """Mark the address field-verified with a note; optionally move it to a confirmed point."""
    address = get_visible_address(session, caller, address_id)
    if accept_proposed:
        if address.proposed_lat is None:
            raise InvalidInput("there is no proposed point to accept",
                               {"accept_proposed": ["no proposal on this address"]})
        point = (address.proposed_lat, address.proposed_lng)
    if point is None and address.lat is None:
        raise InvalidInput("an address without coordinates needs a point to be verified",
                           {"lat": ["required: the address has no coordinates"]})
    if point is None and address.precision not in HOUSE_PRECISIONS:
        level = address.precision or "unknown"
        raise InvalidInput(f"the address's point is only {level}-level; give the confirmed "
                           "point (lat, lng) to verify it",
                           {"lat": [f"required: the stored point is {level}-level, not a house"]})
    before = address.verification_state
    address.verification_state = transition(before, AddressEvent.MANUAL_VERIFY).value
    if point is not None:
        address.lat, address.lng = point
        address.precision, address.accuracy_m = "building", MANUAL_ACCURACY_M
        address.geocoder = "manual"
        address.time_zone = timezone_for(point[0], point[1], tz_overrides)
    address.proposed_lat = address.proposed_lng = None
    address.verified_at, address.verification_note = now, note
    session.flush()
    audit.record(session, caller.user_id, "address.verify", "address", address.id,
                 {"before": before, "note": note, "point": list(point) if point else None},
                 now=now)
    return address
