"""Geocode addresses: parse, locate, store the WGS-84 point, precision, time zone and state.

Ambiguous texts and places located only to a city or province end in 'failed' with a reason;
a provider outage leaves the address as it was (retry later). Addresses whose state forbids
geocoding (geocoded, field-verified, moved) are skipped: re-geocoding starts with an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.access import Caller
from server.addresses.geo.address_states import (
    AddressEvent,
    AddressState,
    IllegalTransition,
    transition,
)
from server.addresses.geo.factory import build_geocoder
from server.addresses.geo.geocoders import Geocoder, ProviderRejected, ProviderUnavailable
from server.addresses.geo.parsing import ParsedAddress, parse_address
from server.addresses.geo.timezones import timezone_for
from server.addresses.queries import address_visible
from server.errors import NotFound
from server.models import Address, Verification

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    address_id: str
    state: str
    precision: str | None = None
    reason: str | None = None
    changed: bool = True


@dataclass
class GeocodeReport:
    """What a batch did, address by address."""

    results: list[Outcome] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for r in self.results if r.changed and r.state == state)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if not r.changed)


@contextmanager
def configured_geocoder(settings: Mapping) -> Iterator[Geocoder]:
    """The configured geocoder, its providers' HTTP connections closed afterwards."""
    geocoder = build_geocoder(settings)
    try:
        yield geocoder
    finally:
        for member in getattr(geocoder, "geocoders", (geocoder,)):
            close = getattr(member, "close", None)
            if close is not None:
                close()


def addresses_to_geocode(caller: Caller, address_ids: Sequence[str] | None = None,
                         state: str = Verification.UNVERIFIED, limit: int = 100) -> Select:
    """Ids to geocode: the given ones, else `limit` addresses in `state`, visible to the caller."""
    stmt = select(Address.id).where(address_visible(caller)).order_by(Address.id)
    if address_ids:
        return stmt.where(Address.id.in_(list(address_ids)))
    return stmt.where(Address.verification_state == state).limit(limit)


def resolve_ids(session: Session, caller: Caller, address_ids: Sequence[str] | None,
                state: str, limit: int) -> list[str]:
    """The ids a batch will work on; NotFound if an explicitly given id is not visible."""
    ids = list(session.scalars(addresses_to_geocode(caller, address_ids, state, limit)))
    missing = sorted(set(address_ids or ()) - set(ids))
    if missing:
        raise NotFound(f"no address {missing[0]!r}", {"address_ids": missing})
    return ids


def geocode_addresses(session: Session, geocoder: Geocoder, address_ids: Sequence[str],
                      tz_overrides: Mapping[str, str], now: datetime,
                      progress: Progress | None = None, batch_size: int = 200) -> GeocodeReport:
    """Geocode these addresses in chunks (one SELECT and one flush each); the caller commits."""
    report, stop = GeocodeReport(), None
    for start in range(0, len(address_ids), batch_size):
        chunk = address_ids[start:start + batch_size]
        rows = session.scalars(select(Address).where(Address.id.in_(chunk))
                               .order_by(Address.id)).all()
        for address in rows:
            if stop is not None:
                report.results.append(Outcome(address.id, address.verification_state,
                                              reason=stop, changed=False))
                continue
            try:
                report.results.append(geocode_one(address, geocoder, tz_overrides, now))
            except ProviderRejected as exc:  # a bad key or config: no point asking again
                stop = f"the geocoder refused the request: {exc}"
                report.results.append(Outcome(address.id, address.verification_state,
                                              reason=stop, changed=False))
        session.flush()
        if progress:
            progress(min(start + batch_size, len(address_ids)), len(address_ids))
    return report


def geocode_one(address: Address, geocoder: Geocoder, tz_overrides: Mapping[str, str],
                now: datetime) -> Outcome:
    """Parse, locate and store one address (no flush)."""
    state = address.verification_state
    try:
        transition(state, AddressEvent.GEOCODE_FAILED)
    except IllegalTransition:
        return Outcome(address.id, state, reason=f"not geocoded: the address is {state}",
                       changed=False)
    parsed = parse_address(address.raw_text, city_hint=address.city)
    _store_parts(address, parsed)
    if parsed.is_ambiguous:
        names = ", ".join(c.name for c in parsed.ambiguities)
        return _fail(address, f"ambiguous address: could be {names}")
    try:
        result = geocoder.geocode(address.raw_text, city_hint=address.city)
    except ProviderUnavailable as exc:
        return Outcome(address.id, state, reason=f"geocoder unavailable, retry later: {exc}",
                       changed=False)
    if result is None:
        return _fail(address, "the geocoder knows no such place")
    new = transition(state, AddressEvent.GEOCODED, result.precision)
    if new is AddressState.FAILED:
        return _fail(address, f"located only to the {result.precision} ({result.label or ''})")
    address.lat, address.lng = result.lat, result.lng
    address.precision, address.accuracy_m = result.precision, result.accuracy_m
    address.geocoder, address.verification_state = result.source, new.value
    address.time_zone = timezone_for(result.lat, result.lng, tz_overrides)
    address.verification_note = None
    return Outcome(address.id, new.value, result.precision)


def _store_parts(address: Address, parsed: ParsedAddress) -> None:
    for name in ("province", "city", "district", "street", "adcode"):
        value = getattr(parsed, name)
        if value:
            setattr(address, name, value)


def _fail(address: Address, reason: str) -> Outcome:
    address.verification_state = transition(address.verification_state,
                                            AddressEvent.GEOCODE_FAILED).value
    address.verification_note = reason[:500]
    return Outcome(address.id, address.verification_state, reason=reason)
