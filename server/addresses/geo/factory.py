"""Build the configured geocoder from plain settings (the app's config mapping)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.addresses.geo.cache import GeocodeCache
from server.addresses.geo.gazetteer import Gazetteer
from server.addresses.geo.geocoders import ChainGeocoder, Geocoder, ProviderRejected
from server.addresses.geo.offline import OfflineGeocoder
from server.addresses.geo.providers import DEFAULT_USER_AGENT, GeopyGeocoder

OFFLINE = "offline"


def _get(settings: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """A setting, with empty strings (how unset env vars arrive) treated as absent."""
    value = settings.get(key)
    return default if value is None or value == "" else value


def build_geocoder(settings: Mapping[str, Any], cache: GeocodeCache | None = None) -> Geocoder:
    """The geocoder that GEOCODER and friends ask for, with the offline one as the fallback.

    offline: gazetteer (if GAZETTEER_PATH) then region centres.
    any geopy provider: gazetteer first, then the provider, then region centres; a known
    building in the gazetteer beats the provider, and region centres cover provider outages.
    """
    provider = str(_get(settings, "GEOCODER", OFFLINE)).strip().lower()
    path = _get(settings, "GAZETTEER_PATH")
    gazetteer = Gazetteer.load(path) if path else None
    if provider == OFFLINE:
        return OfflineGeocoder(gazetteer)
    try:
        online = GeopyGeocoder(
            provider,
            domain=_get(settings, "GEOCODER_DOMAIN"),
            scheme=_get(settings, "GEOCODER_SCHEME"),
            api_key=_get(settings, "GEOCODER_API_KEY"),
            user_agent=_get(settings, "GEOCODER_USER_AGENT", DEFAULT_USER_AGENT),
            timeout_s=float(_get(settings, "GEOCODER_TIMEOUT_S", 10.0)),
            min_delay_s=float(_get(settings, "GEOCODER_MIN_DELAY_S", 1.0)),
            max_retries=int(_get(settings, "GEOCODER_MAX_RETRIES", 1)),
            coord_system=_get(settings, "GEOCODER_COORD_SYSTEM"),
            cache=cache,
        )
    except ValueError as exc:
        raise ProviderRejected(f"bad geocoder setting: {exc}") from exc
    chain: list[Geocoder] = []
    if gazetteer is not None:
        chain.append(OfflineGeocoder(gazetteer, use_regions=False))
    chain += [online, OfflineGeocoder()]
    return ChainGeocoder(chain)
