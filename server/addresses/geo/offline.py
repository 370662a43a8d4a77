"""The embedded geocoder: no network, a gazetteer when it knows the place, else region centres."""

from __future__ import annotations

from dataclasses import asdict

from server.addresses.geo.gazetteer import Gazetteer
from server.addresses.geo.geocoders import DEFAULT_ACCURACY_M, GeocodeResult
from server.addresses.geo.parsing import parse_address
from server.addresses.geo.regions import (
    CITY,
    LEVEL_NAMES,
    MUNICIPALITIES,
    RegionTable,
    region_table,
)

# A region centre is the seat of government, not the address: the error is about the
# region's size. Without boundary data we estimate it from the other centres we know
# (RegionTable.extent_m), never less than the per-level default, capped so one remote county
# cannot report a uselessly huge radius. Large districts with a central seat are still
# underestimated (浦东新区 gets ~4.6 km for a district ~40 km long).
ACCURACY_CAP_M = {"district": 60_000.0, "city": 200_000.0, "province": 800_000.0}


class OfflineGeocoder:
    """Gazetteer first (building-level), then the district/city/province centre from cpca data."""

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        use_regions: bool = True,
        table: RegionTable | None = None,
    ):
        self.gazetteer = gazetteer
        self.use_regions = use_regions
        self.name = "offline" if use_regions else "gazetteer"
        self._table = table

    @property
    def table(self) -> RegionTable:
        """The region table, loaded on first use."""
        if self._table is None:
            self._table = region_table()
        return self._table

    def geocode(self, address_text: str, city_hint: str | None = None) -> GeocodeResult | None:
        """Locate an address without the network; None when not even a province is known."""
        parsed = parse_address(address_text, city_hint, table=self.table)
        if self.gazetteer is not None:
            entry = self.gazetteer.match(parsed, city_hint)
            if entry is not None:
                return GeocodeResult(
                    lat=entry.lat,
                    lng=entry.lng,
                    precision=entry.precision,
                    accuracy_m=entry.accuracy_m,
                    source="gazetteer",
                    raw={"entry": asdict(entry), "parsed": asdict(parsed)},
                    label=entry.name,
                )
        if not self.use_regions or parsed.adcode is None:
            return None
        region = self.table.located(self.table.get(parsed.adcode))
        if region is None:
            return None
        lat, lng = region.centre_wgs84()
        if region.adcode == parsed.adcode:
            precision = parsed.level
        elif region.level == CITY or region.adcode in MUNICIPALITIES:
            precision = "city"  # a district without a centre falls back to its city
        else:
            precision = LEVEL_NAMES[region.level]
        default = DEFAULT_ACCURACY_M[precision]
        extent = self.table.extent_m(region) or default
        accuracy = min(max(default, extent), ACCURACY_CAP_M[precision])
        return GeocodeResult(
            lat=lat,
            lng=lng,
            precision=precision,
            accuracy_m=round(accuracy),
            source="offline",
            raw={"adcode": region.adcode, "parsed": asdict(parsed)},
            label=self.table.full_name(region),
        )
