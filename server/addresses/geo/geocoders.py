"""The geocoder interface, its result, its errors, and a chain that falls back between them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

# Finest first. A result's precision says what the point stands for, its accuracy_m how far
# the real address may be from it; dispatch and field verification use both.
PRECISIONS: tuple[str, ...] = ("rooftop", "building", "street", "district", "city", "province")
DEFAULT_ACCURACY_M: dict[str, float] = {
    "rooftop": 15.0,
    "building": 50.0,
    "street": 300.0,
    "district": 3_000.0,
    "city": 15_000.0,
    "province": 150_000.0,
}


class GeocodingError(Exception):
    """A geocoder could not answer (as opposed to answering "no such place", which is None)."""


class ProviderUnavailable(GeocodingError):
    """Transient: timeout, network error, 5xx, rate limit or quota. Retry later."""


class ProviderRejected(GeocodingError):
    """Permanent until someone acts: bad API key, forbidden, malformed request, bad config."""


def precision_rank(precision: str) -> int:
    """0 for 'rooftop' … 5 for 'province'; raises ValueError for an unknown level."""
    try:
        return PRECISIONS.index(precision)
    except ValueError:
        raise ValueError(f"unknown precision {precision!r}; expected one of {PRECISIONS}") from None


@dataclass(frozen=True)
class GeocodeResult:
    """A WGS-84 point for an address, what it stands for, and how far off it may be."""

    lat: float
    lng: float
    precision: str
    accuracy_m: float
    source: str
    raw: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    label: str | None = None

    def __post_init__(self) -> None:
        precision_rank(self.precision)
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lng <= 180.0):
            raise ValueError(f"coordinates out of range: {self.lat}, {self.lng}")
        if self.accuracy_m <= 0:
            raise ValueError("accuracy_m must be positive")


def finer(a: GeocodeResult | None, b: GeocodeResult | None) -> GeocodeResult | None:
    """The more precise of two results (the first on a tie; None loses)."""
    if a is None or b is None:
        return a or b
    return b if precision_rank(b.precision) < precision_rank(a.precision) else a


@runtime_checkable
class Geocoder(Protocol):
    """Anything that turns address text into a GeocodeResult."""

    name: str

    def geocode(self, address_text: str, city_hint: str | None = None) -> GeocodeResult | None:
        """The best point for the address; None when the geocoder knows no such place."""
        ...


class ChainGeocoder:
    """Ask geocoders in order; stop at the first result at least `good_enough` precise.

    A failing geocoder (GeocodingError) is logged and skipped. If nothing answered and at
    least one geocoder failed, the last error is raised: "try again later" must not be
    mistaken for "no such place" (which would mark the address failed).
    """

    def __init__(self, geocoders: Sequence[Geocoder], good_enough: str = "street"):
        if not geocoders:
            raise ValueError("a chain needs at least one geocoder")
        precision_rank(good_enough)
        self.geocoders = tuple(geocoders)
        self.good_enough = good_enough
        self.name = "chain(" + ",".join(g.name for g in self.geocoders) + ")"

    def geocode(self, address_text: str, city_hint: str | None = None) -> GeocodeResult | None:
        """The first good-enough result, else the finest one seen, else None (or the error)."""
        best: GeocodeResult | None = None
        error: GeocodingError | None = None
        for geocoder in self.geocoders:
            try:
                result = geocoder.geocode(address_text, city_hint)
            except GeocodingError as exc:
                log.warning("geocoder %s failed: %s", geocoder.name, exc)
                error = exc
                continue
            if result is not None and precision_rank(result.precision) <= precision_rank(
                self.good_enough
            ):
                return result
            best = finer(best, result)
        if best is None and error is not None:
            raise error
        return best
