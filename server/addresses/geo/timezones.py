"""The legal time zone at a point, offline, with per-jurisdiction overrides.

Compliance rules (quiet hours) are evaluated in the debtor's local time. timezonefinder
answers with the tz database's zone for the spot, which is not always the legal one:
all of China keeps Beijing time, yet Xinjiang maps to Asia/Urumqi (UTC+6, the local
customary time). So a jurisdiction can pin one zone for its whole territory.
"""

from __future__ import annotations

import importlib.resources
import threading
import zoneinfo
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from server.clock import OPERATION_ZONE

DEFAULT_OVERRIDES: Mapping[str, str] = MappingProxyType({"CN": OPERATION_ZONE})
FALLBACK_ZONE = "UTC"
_SYSTEM_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")

_finder: Any = None
_finder_lock = threading.Lock()


def _timezone_finder() -> Any:
    """The shared TimezoneFinder, created on first use: it loads tens of MB of polygons."""
    global _finder
    if _finder is None:
        with _finder_lock:
            if _finder is None:
                from timezonefinder import TimezoneFinder  # deferred: heavy import

                # In memory (~30 MB): memory-mapped files would stay open for the process and
                # warn (ResourceWarning) when the interpreter tears them down.
                _finder = TimezoneFinder(in_memory=True)
    return _finder


@cache
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO 3166 country code, from zone.tab (tzdata package, else the system)."""
    try:
        text = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        text = _SYSTEM_ZONE_TAB.read_text() if _SYSTEM_ZONE_TAB.exists() else ""
    countries = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            countries[fields[2]] = fields[0]
    return countries


def country_for_timezone(zone: str) -> str | None:
    """The country a tz zone belongs to ('Asia/Urumqi' -> 'CN'); None for ocean/Etc zones."""
    return _zone_countries().get(zone)


def raw_timezone_at(lat: float, lng: float) -> str:
    """timezonefinder's zone at a point, without overrides ('Etc/GMT±n' at sea)."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        raise ValueError(f"coordinates out of range: {lat}, {lng}")
    return _timezone_finder().timezone_at(lng=lng, lat=lat) or FALLBACK_ZONE


def jurisdiction_for(lat: float, lng: float) -> str | None:
    """The country at a point as far as time zones tell (coarse: by the zone's country)."""
    return country_for_timezone(raw_timezone_at(lat, lng))


def timezone_for(
    lat: float, lng: float, jurisdiction_overrides: Mapping[str, str] | None = None
) -> str:
    """The IANA zone to evaluate local-time rules in at (lat, lng), overrides applied."""
    overrides = DEFAULT_OVERRIDES if jurisdiction_overrides is None else jurisdiction_overrides
    zone = raw_timezone_at(lat, lng)
    country = country_for_timezone(zone)
    return overrides.get(country, zone) if country else zone


def parse_overrides(spec: str) -> dict[str, str]:
    """Parse the TZ_OVERRIDES setting, e.g. 'CN=Asia/Shanghai,IN=Asia/Kolkata'."""
    overrides = {}
    for item in filter(None, (part.strip() for part in (spec or "").split(","))):
        country, sep, zone = item.partition("=")
        country, zone = country.strip().upper(), zone.strip()
        if not sep or len(country) != 2 or not country.isalpha():
            raise ValueError(f"bad time zone override {item!r}; expected CC=Area/City")
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r} in override {item!r}") from exc
        overrides[country] = zone
    return overrides
