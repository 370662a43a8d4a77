"""Translate each provider's notion of "what this point is" into our precision levels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FALLBACK_PRECISION = "street"

# Nominatim `addresstype` (and Photon `type`) values, coarse to fine.
_OSM_TYPES = {
    "country": "province",
    "state": "province",
    "province": "province",
    "region": "province",
    "city": "city",
    "municipality": "city",
    "county": "district",
    "district": "district",
    "city_district": "district",
    "borough": "district",
    "suburb": "district",
    "town": "district",
    "village": "district",
    "quarter": "district",
    "neighbourhood": "district",
    "locality": "district",
    "road": "street",
    "street": "street",
    "house": "rooftop",
    "building": "building",
    "amenity": "building",
    "shop": "building",
    "office": "building",
    "tourism": "building",
    "leisure": "building",
}

# Baidu's `level` strings (地理编码 API). 门址 is a door number; POI kinds are buildings.
_BAIDU_LEVELS = {
    "门址": "rooftop",
    "道路": "street",
    "道路交叉点": "street",
    "地产小区": "building",
    "商务大厦": "building",
    "乡镇": "district",
    "村庄": "district",
    "区县": "district",
    "城市": "city",
    "省": "province",
    "国家": "province",
}

# ArcGIS Addr_type (only present when out_fields asks for it).
_ARCGIS_TYPES = {
    "PointAddress": "rooftop",
    "Subaddress": "rooftop",
    "POI": "building",
    "StreetAddress": "street",
    "StreetInt": "street",
    "StreetName": "street",
    "Locality": "district",
    "Postal": "district",
    "PostalExt": "district",
}


def _nominatim(raw: dict[str, Any]) -> str:
    for kind in (raw.get("addresstype"), raw.get("type")):
        if kind in _OSM_TYPES:
            return _OSM_TYPES[kind]
    if raw.get("class") == "building":
        return "building"
    # place_rank: 30 objects/houses, 26-27 streets, 13-25 below city, 12 and up coarser.
    rank = int(raw.get("place_rank") or 0)
    if rank >= 28:
        return "building"
    if rank >= 26:
        return "street"
    if rank >= 17:
        return "district"
    if rank >= 13:
        return "city"
    return "province" if rank else FALLBACK_PRECISION


def _photon(raw: dict[str, Any]) -> str:
    props = raw.get("properties") or {}
    if props.get("housenumber"):
        return "rooftop"
    if props.get("type") in _OSM_TYPES:
        return _OSM_TYPES[props["type"]]
    return _OSM_TYPES.get(props.get("osm_key", ""), FALLBACK_PRECISION)


def _baidu(raw: dict[str, Any]) -> str:
    level = raw.get("level", "")
    if level == "门址" and raw.get("precise") != 1:
        # Baidu says "door number" but not precise: it interpolated along the street.
        return "street"
    if level in _BAIDU_LEVELS:
        return _BAIDU_LEVELS[level]
    return "building" if raw.get("precise") == 1 else FALLBACK_PRECISION


def _google(raw: dict[str, Any]) -> str:
    types = set(raw.get("types") or ())
    if "administrative_area_level_1" in types or "country" in types:
        return "province"
    if "locality" in types:
        return "city"
    if types & {"sublocality", "administrative_area_level_2", "administrative_area_level_3"}:
        return "district"
    location_type = (raw.get("geometry") or {}).get("location_type")
    return {"ROOFTOP": "rooftop", "RANGE_INTERPOLATED": "street"}.get(
        location_type, FALLBACK_PRECISION
    )


def _arcgis(raw: dict[str, Any]) -> str:
    addr_type = (raw.get("attributes") or {}).get("Addr_type", "")
    return _ARCGIS_TYPES.get(addr_type, FALLBACK_PRECISION)


_MAPPERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "nominatim": _nominatim,
    "openmapquest": _nominatim,
    "pickpoint": _nominatim,
    "photon": _photon,
    "baidu": _baidu,
    "baiduv3": _baidu,
    "google": _google,
    "googlev3": _google,
    "arcgis": _arcgis,
}


def precision_from_raw(provider: str, raw: Any) -> str:
    """Our precision level for a provider's raw answer; 'street' when it tells us nothing."""
    mapper = _MAPPERS.get(provider)
    if mapper is None or not isinstance(raw, dict):
        return FALLBACK_PRECISION
    return mapper(raw)
