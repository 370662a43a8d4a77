"""China's administrative regions (province / city / district) from the table cpca ships.

cpca 0.5.5 imports `pkg_resources` when imported, which modern setuptools no longer provides
(and which warns where it exists), and builds a pandas-based matcher we do not need. So we
read its `resources/adcodes.csv` directly, locating the package without executing it. Its
coordinates are each region's AMap "center" (usually the seat of government) in GCJ-02.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from server.addresses.geo.coords import gcj02_to_wgs84, haversine_m

PROVINCE, CITY, DISTRICT = 0, 1, 2
LEVEL_NAMES = ("province", "city", "district")
# Rows that only group others ("市辖区" = the districts of a city); they name no place.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})  # 北京 天津 上海 重庆
_PROVINCE_SUFFIX = re.compile(r"(省|市|特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟)$")
# Districts are only shortened when they are county-level cities (昆山市 -> 昆山): cpca's own
# lesson is that dropping 区/县 makes far too many false matches inside street names.
_DISTRICT_SUFFIX = re.compile(r"市$")


class RegionDataMissing(RuntimeError):
    """cpca's region table cannot be found: the cpca package is not installed."""


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative region: 6-digit adcode, name, level and its GCJ-02 centre."""

    adcode: str
    name: str
    level: int
    lat_gcj: float | None
    lng_gcj: float | None

    @property
    def province_code(self) -> str:
        """The adcode of the province this region is in (or is)."""
        return self.adcode[:2] + "0000"

    @property
    def city_code(self) -> str:
        """The adcode of the city this region is in (or is); meaningless for a province."""
        return self.adcode[:4] + "00"

    def contains(self, other: Region) -> bool:
        """Whether `other` lies inside this region (a region contains itself)."""
        return other.adcode.startswith(self.adcode[: (self.level + 1) * 2])

    def centre_wgs84(self) -> tuple[float, float] | None:
        """The region's centre converted to WGS-84, or None when the table has none."""
        if self.lat_gcj is None or self.lng_gcj is None:
            return None
        return gcj02_to_wgs84(self.lat_gcj, self.lng_gcj)


def _level(code6: str) -> int:
    if code6.endswith("0000"):
        return PROVINCE
    return CITY if code6.endswith("00") else DISTRICT


def _short_names(region: Region) -> set[str]:
    pattern = (_PROVINCE_SUFFIX, _CITY_SUFFIX, _DISTRICT_SUFFIX)[region.level]
    short = pattern.sub("", region.name)
    return {short} if len(short) >= 2 and short != region.name else set()


class RegionTable:
    """Regions by adcode and by name (full and common short forms)."""

    def __init__(self, regions: list[Region]):
        self.by_code: dict[str, Region] = {r.adcode: r for r in regions}
        names: dict[str, list[Region]] = defaultdict(list)
        for region in regions:
            if region.name in PLACEHOLDERS:
                continue
            for name in {region.name} | _short_names(region):
                names[name].append(region)
        self.by_name: dict[str, tuple[Region, ...]] = {k: tuple(v) for k, v in names.items()}
        self.max_name_len = max(map(len, self.by_name))

    def get(self, adcode: str) -> Region | None:
        """The region with this adcode (6 or 12 digits), if any."""
        return self.by_code.get(adcode[:6])

    def province_of(self, region: Region) -> Region:
        """The province containing `region`."""
        return self.by_code[region.province_code]

    def city_of(self, region: Region) -> Region | None:
        """The named city containing `region`; None for provinces and grouping placeholders."""
        if region.level == PROVINCE:
            return None
        city = self.by_code.get(region.city_code)
        return None if city is None or city.name in PLACEHOLDERS else city

    def full_name(self, region: Region) -> str:
        """The region's name with its ancestors, e.g. 吉林省长春市朝阳区."""
        parts = [self.province_of(region)]
        city = self.city_of(region)
        if city is not None and city is not region:
            parts.append(city)
        if region is not parts[0]:
            parts.append(region)
        return "".join(p.name for p in parts)

    def located(self, region: Region) -> Region | None:
        """The region itself if it has a centre, else the nearest ancestor that has one."""
        candidates = [region, self.city_of(region), self.province_of(region)]
        # Municipalities' districts group under a placeholder city without its own centre.
        return next((r for r in candidates if r is not None and r.lat_gcj is not None), None)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - the table lives for the process
    def extent_m(self, region: Region) -> float | None:
        """A rough radius of the region around its centre, from the other centres we know.

        For a city or province: the farthest centre of a region inside it. For a district
        (nothing inside it is listed): the distance to the nearest sibling district centre.
        """
        if region.lat_gcj is None:
            return None
        if region.level < DISTRICT:
            others = [r for r in self.by_code.values() if r is not region and region.contains(r)]
            pick = max
        else:
            others = [
                r
                for r in self.by_code.values()
                if r.level == DISTRICT and r is not region and r.city_code == region.city_code
            ] or [
                # A city with a single district: compare with the province's districts.
                r
                for r in self.by_code.values()
                if r.level == DISTRICT
                and r is not region
                and r.province_code == region.province_code
            ]
            pick = min
        distances = [
            haversine_m(region.lat_gcj, region.lng_gcj, r.lat_gcj, r.lng_gcj)
            for r in others
            if r.lat_gcj is not None and r.lng_gcj is not None
        ]
        return pick(distances) if distances else None


def cpca_adcodes_path() -> Path:
    """Where cpca's adcodes.csv lies, found without importing cpca (see module docstring)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RegionDataMissing("the cpca package is not installed; it ships the region table")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    if not path.is_file():
        raise RegionDataMissing(f"cpca's region table is missing at {path}")
    return path


def _float(raw: str) -> float | None:
    return float(raw) if raw.strip() else None


def load_regions(path: Path | None = None) -> RegionTable:
    """Read a cpca-format region CSV (adcode,name,longitude,latitude) into a table."""
    with open(path or cpca_adcodes_path(), encoding="utf-8", newline="") as fh:
        regions = [
            Region(
                adcode=row["adcode"][:6],
                name=row["name"].strip(),
                level=_level(row["adcode"][:6]),
                lat_gcj=_float(row["latitude"]),
                lng_gcj=_float(row["longitude"]),
            )
            for row in csv.DictReader(fh)
        ]
    return RegionTable(regions)


@functools.cache
def region_table() -> RegionTable:
    """The process-wide region table, loaded on first use (not at import)."""
    return load_regions()
