"""Coordinate systems used in China: WGS-84 (GPS), GCJ-02 (AMap, Tencent) and BD-09 (Baidu).

The transforms are the widely published ones (as in eviltransform/coordtransform). Chinese
law requires maps of mainland China to use GCJ-02, an obfuscated datum ~100-700 m off WGS-84;
Baidu adds its own BD-09 shift on top. Doorstep stores WGS-84 only, because phones report
WGS-84 and distances between a check-in and an address must be taken in one datum.
"""

from __future__ import annotations

import math
from typing import Literal

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
COORD_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by the GCJ-02 algorithm
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_EARTH_RADIUS_M = 6371008.8

# Mainland China as coarse rectangles (north, west, south, east), minus Taiwan, northern
# Vietnam and Russian/Mongolian corners. Finer than the usual single bounding box, which
# would shift points in India, Korea or Japan: Doorstep also runs in non-CN jurisdictions.
_CHINA = (
    (49.220400, 79.446200, 42.889900, 96.330000),
    (54.141500, 109.687200, 39.374200, 135.000200),
    (42.889900, 73.124600, 29.529700, 124.143255),
    (29.529700, 82.968400, 26.718600, 97.035200),
    (29.529700, 97.025300, 20.414096, 124.367395),
    (20.414096, 107.975793, 17.871542, 111.744104),
)
_NOT_CHINA = (
    (25.398623, 119.921265, 21.785006, 122.497559),
    (22.284000, 101.865200, 20.098800, 106.665000),
    (21.542200, 106.452500, 20.487800, 108.051000),
    (55.817500, 109.032300, 50.325700, 119.127000),
    (55.817500, 127.456800, 49.557400, 137.022700),
    (44.892200, 131.266200, 42.569200, 137.022700),
)


def _inside(rects: tuple, lat: float, lng: float) -> bool:
    return any(s <= lat <= n and w <= lng <= e for n, w, s, e in rects)


def in_china(lat: float, lng: float) -> bool:
    """Whether a point lies where Chinese maps apply the GCJ-02 shift (coarse rectangles)."""
    return _inside(_CHINA, lat, lng) and not _inside(_NOT_CHINA, lat, lng)


def _shift(lat: float, lng: float) -> tuple[float, float]:
    """The GCJ-02 offset (dlat, dlng) in degrees at a WGS-84 point."""
    x, y = lng - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += common
    dlng += common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Convert a WGS-84 point to GCJ-02 (unchanged outside China)."""
    if not in_china(lat, lng):
        return lat, lng
    dlat, dlng = _shift(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Convert a GCJ-02 point to WGS-84 by fixed-point iteration (error well under 1 cm)."""
    # GCJ-02 has no closed-form inverse; the shift changes slowly, so subtracting the shift
    # observed at the current estimate converges in a handful of steps.
    wlat, wlng = lat, lng
    for _ in range(30):
        dlat, dlng = _shift(wlat, wlng)
        err_lat, err_lng = wlat + dlat - lat, wlng + dlng - lng
        wlat, wlng = wlat - err_lat, wlng - err_lng
        if abs(err_lat) < 1e-10 and abs(err_lng) < 1e-10:
            break
    # The forward transform shifts only points in China, so the inverse must test the
    # unshifted point: testing the input would break round trips near the border.
    return (wlat, wlng) if in_china(wlat, wlng) else (lat, lng)


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """Convert a GCJ-02 point to Baidu's BD-09 (unchanged outside China)."""
    if not in_china(lat, lng):
        return lat, lng
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Convert a BD-09 point to GCJ-02 (the published closed-form inverse, ~cm error)."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    glat, glng = z * math.sin(theta), z * math.cos(theta)
    return (glat, glng) if in_china(glat, glng) else (lat, lng)  # as in gcj02_to_wgs84


def bd09_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Convert a Baidu BD-09 point to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


def wgs84_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """Convert a WGS-84 point to Baidu BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    """Convert a point given in `system` ('wgs84', 'gcj02' or 'bd09') to WGS-84."""
    system = system.strip().lower().replace("-", "")
    if system == "wgs84":
        return lat, lng
    if system == "gcj02":
        return gcj02_to_wgs84(lat, lng)
    if system == "bd09":
        return bd09_to_wgs84(lat, lng)
    raise ValueError(f"unknown coordinate system {system!r}; expected one of {COORD_SYSTEMS}")


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (fast; for heuristics, not for verification)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
