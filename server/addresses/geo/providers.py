"""Online geocoding through any geopy provider, rate-limited, cached and converted to WGS-84."""

from __future__ import annotations

import inspect
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from geopy import exc as geopy_exc
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from server.addresses.geo.cache import GeocodeCache, LRUCache, cache_key
from server.addresses.geo.coords import COORD_SYSTEMS, to_wgs84
from server.addresses.geo.geocoders import (
    DEFAULT_ACCURACY_M,
    GeocodeResult,
    ProviderRejected,
    ProviderUnavailable,
)
from server.addresses.geo.precision import precision_from_raw

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "doorstep-geocoder/0.1"
# What each provider's coordinates are in, unless configured otherwise. Baidu answers in
# BD-09 unless asked for another `ret_coordtype`, which geopy's Baidu classes never send.
PROVIDER_COORD_SYSTEMS = {"baidu": "bd09", "baiduv3": "bd09"}

# Errors that will go away by themselves vs. errors that need a person (key, config, query).
_TRANSIENT = (
    geopy_exc.GeocoderTimedOut,
    geopy_exc.GeocoderUnavailable,
    geopy_exc.GeocoderRateLimited,
    geopy_exc.GeocoderQuotaExceeded,
    geopy_exc.GeocoderParseError,
)
_PERMANENT = (
    geopy_exc.GeocoderAuthenticationFailure,
    geopy_exc.GeocoderInsufficientPrivileges,
    geopy_exc.GeocoderQueryError,
    geopy_exc.ConfigurationError,
)


def _provider_class(provider: str) -> type:
    try:
        return get_geocoder_for_service(provider)
    except geopy_exc.GeocoderNotFound as exc:
        raise ProviderRejected(f"unknown geocoder {provider!r}: {exc}") from exc


def _with_host(url: str, domain: str) -> str:
    """Point a provider URL at another host (e.g. an internal gateway in front of Baidu)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, domain, parts.path, parts.query, parts.fragment))


class GeopyGeocoder:
    """One geopy provider behind our Geocoder interface.

    `domain`/`scheme` point Nominatim/Photon (or any provider with a `domain` option) at a
    self-hosted server; for providers without one (Baidu) the domain replaces the API host.
    """

    def __init__(
        self,
        provider: str,
        *,
        domain: str | None = None,
        scheme: str | None = None,
        api_key: str | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout_s: float = 10.0,
        min_delay_s: float = 1.0,
        max_retries: int = 1,
        error_wait_s: float = 2.0,
        cache: GeocodeCache | None = None,
        coord_system: str | None = None,
        proxies: dict[str, str] | None = None,
        provider_options: dict[str, Any] | None = None,
        query_options: dict[str, Any] | None = None,
    ):
        self.provider = provider.strip().lower()
        self.name = f"geopy:{self.provider}"
        self.coord_system = coord_system or PROVIDER_COORD_SYSTEMS.get(self.provider, "wgs84")
        if self.coord_system not in COORD_SYSTEMS:
            raise ProviderRejected(f"unknown coordinate system {self.coord_system!r}")
        self.cache: GeocodeCache = cache if cache is not None else LRUCache()
        self.query_options = dict(query_options or {})
        self._geocoder = self._build(
            domain=domain,
            scheme=scheme,
            api_key=api_key,
            user_agent=user_agent,
            timeout=timeout_s,
            proxies=proxies,
            **(provider_options or {}),
        )
        # geopy's RateLimiter spaces calls by min_delay_s (Nominatim's public policy is 1/s)
        # and retries transient GeocoderServiceErrors; we translate what finally escapes.
        self._limited = RateLimiter(
            self._geocoder.geocode,
            min_delay_seconds=min_delay_s,
            max_retries=max_retries,
            error_wait_seconds=max(error_wait_s, min_delay_s),
            swallow_exceptions=False,
        )

    def _build(self, domain: str | None, **options: Any) -> Any:
        cls = _provider_class(self.provider)
        accepted = inspect.signature(cls.__init__).parameters
        if domain and "domain" in accepted:
            options["domain"] = domain
        if "api_key" not in accepted:
            options.pop("api_key")
        elif not options["api_key"] and accepted["api_key"].default is inspect.Parameter.empty:
            raise ProviderRejected(f"geocoder {self.provider!r} needs an API key")
        # Only pass what this provider understands (Photon has no api_key, ArcGIS no domain…).
        kwargs = {k: v for k, v in options.items() if k in accepted and v is not None}
        try:
            geocoder = cls(**kwargs)
        except (TypeError, geopy_exc.ConfigurationError) as exc:
            raise ProviderRejected(f"cannot configure geocoder {self.provider!r}: {exc}") from exc
        if domain and "domain" not in accepted and isinstance(getattr(geocoder, "api", None), str):
            geocoder.api = _with_host(geocoder.api, domain)
        return geocoder

    def close(self) -> None:
        """Close the provider's pooled HTTP connections."""
        self._geocoder.__exit__(None, None, None)

    def geocode(self, address_text: str, city_hint: str | None = None) -> GeocodeResult | None:
        """Ask the provider (once per normalised address); raises ProviderUnavailable/Rejected."""
        key = cache_key(address_text, city_hint, namespace=self.name)
        cached = self.cache.get(key)
        if cached is not None:
            return cached.result
        query = address_text.strip()
        if city_hint and city_hint not in query:
            query = f"{city_hint} {query}"
        try:
            location = self._limited(query, exactly_one=True, **self.query_options)
        except _PERMANENT as exc:
            raise ProviderRejected(f"{self.name} rejected the request: {exc}") from exc
        except (*_TRANSIENT, geopy_exc.GeopyError) as exc:
            # Other GeocoderServiceErrors (HTTP 5xx, network) are transient too.
            raise ProviderUnavailable(f"{self.name} is unavailable: {exc}") from exc
        result = None if location is None else self._result(location)
        self.cache.set(key, result)
        return result

    def _result(self, location: Any) -> GeocodeResult:
        lat, lng = to_wgs84(location.latitude, location.longitude, self.coord_system)
        precision = precision_from_raw(self.provider, location.raw)
        return GeocodeResult(
            lat=lat,
            lng=lng,
            precision=precision,
            accuracy_m=DEFAULT_ACCURACY_M[precision],
            source=self.name,
            raw=location.raw if isinstance(location.raw, dict) else {"raw": location.raw},
            label=location.address or None,
        )
