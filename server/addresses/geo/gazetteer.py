"""A deployment's own list of known places (estates, buildings) that beats any geocoder.

CSV columns (UTF-8, header required):
name, aliases ('|'-separated), city, district, lat, lng, coord_system (wgs84|gcj02|bd09),
precision (rooftop|building|street), accuracy_m (optional), note (optional).
Coordinates are converted to WGS-84 once, at load.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from server.addresses.geo.coords import to_wgs84
from server.addresses.geo.geocoders import DEFAULT_ACCURACY_M, precision_rank
from server.addresses.geo.parsing import ParsedAddress, normalise_text

SAMPLE_GAZETTEER_PATH = Path(__file__).parent / "data" / "gazetteer_shanghai_sample.csv"
REQUIRED_COLUMNS = ("name", "city", "lat", "lng", "coord_system", "precision")
_CITY_SUFFIXES = ("市", "地区", "盟")


class GazetteerError(ValueError):
    """The gazetteer file is malformed; the message names the line."""


@dataclass(frozen=True)
class GazetteerEntry:
    """One known place, with its point already in WGS-84."""

    name: str
    aliases: tuple[str, ...]
    city: str
    district: str
    lat: float
    lng: float
    precision: str
    accuracy_m: float
    note: str = ""

    def match_keys(self) -> tuple[str, ...]:
        """Normalised name and aliases, longest first (the longest match wins)."""
        keys = {normalise_text(k) for k in (self.name, *self.aliases) if k.strip()}
        return tuple(sorted(keys, key=len, reverse=True))


def _same_place(a: str | None, b: str | None) -> bool:
    """Compare region names tolerantly (上海 == 上海市); unknown on either side agrees."""
    if not a or not b:
        return True
    a, b = normalise_text(a), normalise_text(b)
    for suffix in _CITY_SUFFIXES:
        a, b = a.removesuffix(suffix), b.removesuffix(suffix)
    return a == b


def _entry(row: dict[str, str], line: int) -> GazetteerEntry:
    missing = [c for c in REQUIRED_COLUMNS if not (row.get(c) or "").strip()]
    if missing:
        raise GazetteerError(f"line {line}: missing {', '.join(missing)}")
    try:
        precision = row["precision"].strip()
        if precision_rank(precision) > precision_rank("street"):
            raise ValueError("precision must be street or finer: a gazetteer lists places")
        lat, lng = to_wgs84(float(row["lat"]), float(row["lng"]), row["coord_system"])
        accuracy = float(row.get("accuracy_m") or DEFAULT_ACCURACY_M[precision])
        return GazetteerEntry(
            name=row["name"].strip(),
            aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()),
            city=row["city"].strip(),
            district=(row.get("district") or "").strip(),
            lat=lat,
            lng=lng,
            precision=precision,
            accuracy_m=accuracy,
            note=(row.get("note") or "").strip(),
        )
    except ValueError as exc:
        raise GazetteerError(f"line {line}: {exc}") from exc


class Gazetteer:
    """Known places, matched by name or alias inside the address text."""

    def __init__(self, entries: list[GazetteerEntry]):
        self.entries = tuple(entries)
        self._keys = sorted(
            ((key, e) for e in self.entries for key in e.match_keys()), key=lambda ke: -len(ke[0])
        )

    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        """Read a gazetteer CSV; raises GazetteerError naming the first bad line."""
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            absent = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if absent:
                raise GazetteerError(f"{path}: missing columns {', '.join(absent)}")
            return cls([_entry(row, n) for n, row in enumerate(reader, start=2)])

    def match(self, parsed: ParsedAddress, city_hint: str | None = None) -> GazetteerEntry | None:
        """The entry whose longest name/alias occurs in the address and whose city fits."""
        text = normalise_text(parsed.text)
        city = parsed.city or (city_hint if city_hint and not city_hint.isdigit() else None)
        for key, entry in self._keys:
            if key not in text:
                continue
            # A same-named estate in another city is a different place (宁波老外滩 ≠ 外滩).
            if _same_place(entry.city, city) and _same_place(entry.district, parsed.district):
                return entry
        return None

    def __len__(self) -> int:
        return len(self.entries)
