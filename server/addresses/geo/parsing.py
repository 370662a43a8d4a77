"""Split a Chinese address into province / city / district / street, with honest ambiguity."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from server.addresses.geo.regions import (
    CITY,
    DISTRICT,
    LEVEL_NAMES,
    MUNICIPALITIES,
    PROVINCE,
    Region,
    RegionTable,
    region_table,
)

# Between two administrative names only separators may stand; anything else means the
# administrative part is over (so 北京 in 上海市北京东路 is read as a street, not a province).
_SEPARATORS = re.compile(r"[\s,，、.。;；:：/\\|\-—_()（）\[\]【】]*")
_FILLERS = ("市辖区",)  # exported tables often write 上海市市辖区徐汇区
_STREET_AFTER = re.compile(r"[东西南北中一二三四五六七八九十]?(?:路|街|大道|大街|巷|弄)")
_STREET = re.compile(
    r"(?P<street>[^\d\s,，]*?(?:大道|大街|胡同|路|街|巷|弄))(?P<number>\d+(?:-\d+)?[号弄]?)?"
)


class Candidate(NamedTuple):
    """One possible reading of an ambiguous name: adcode and full name."""

    adcode: str
    name: str


@dataclass(frozen=True)
class ParsedAddress:
    """The administrative part of an address, the rest of it, and how sure we are."""

    text: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    detail: str = ""
    adcode: str | None = None
    level: str | None = None  # 'province' | 'city' | 'district': how far we resolved
    confidence: float = 0.0
    ambiguities: tuple[Candidate, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def is_ambiguous(self) -> bool:
        """Whether a name in the text fits several regions that the context cannot tell apart."""
        return bool(self.ambiguities)


def normalise_text(text: str) -> str:
    """NFKC (full-width digits/letters to ASCII) and no whitespace: the form we match on."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


class _Token(NamedTuple):
    start: int
    end: int
    regions: tuple[Region, ...]


def _scan(text: str, table: RegionTable) -> list[_Token]:
    """Longest-match scan for region names, left to right, non-overlapping."""
    tokens, i = [], 0
    while i < len(text):
        for length in range(min(table.max_name_len, len(text) - i), 1, -1):
            regions = table.by_name.get(text[i : i + length])
            if regions:
                tokens.append(_Token(i, i + length, regions))
                i += length
                break
        else:
            i += 1
    return tokens


def _gap_is_separator(text: str, start: int, end: int) -> bool:
    gap = text[start:end]
    for filler in _FILLERS:
        gap = gap.replace(filler, "")
    return _SEPARATORS.fullmatch(gap) is not None


def _consistent(region: Region, chosen: list[Region]) -> bool:
    return all(c.level < region.level and c.contains(region) for c in chosen)


def _walk(text: str, table: RegionTable) -> tuple[list[Region], tuple[Region, ...], int, bool]:
    """Accept names while each one is finer than and inside the previous ones.

    Returns (chosen regions, ambiguous candidates, end of the administrative part,
    whether a province or city was written explicitly).
    """
    chosen: list[Region] = []
    end = 0
    for token in _scan(text, table):
        if chosen and not _gap_is_separator(text, end, token.start):
            break
        if any(r in chosen for r in token.regions):  # 上海市上海市… repeats
            end = token.end
            continue
        name = text[token.start : token.end]
        short = all(r.name != name for r in token.regions)
        if short and _STREET_AFTER.match(text, token.end):
            break  # 南京东路, 北京路: every city has streets named after other cities
        # Short district names (东方 for 东方市) only count after their province or city:
        # on their own they turn up inside place names far too often (外滩东方明珠).
        fits = [
            r
            for r in token.regions
            if _consistent(r, chosen) and (chosen or r.level < DISTRICT or r.name == name)
        ]
        if not fits:
            break
        # A name that is both a province and a city (吉林) means the coarser one first.
        coarsest = min(r.level for r in fits)
        fits = [r for r in fits if r.level == coarsest]
        end = token.end
        if len(fits) > 1:
            return chosen, tuple(fits), end, bool(chosen)
        chosen.append(fits[0])
        if fits[0].level == DISTRICT:
            break
    return chosen, (), end, any(r.level < DISTRICT for r in chosen)


def _resolve_hint(hint: str | None, table: RegionTable) -> Region | None:
    if not hint:
        return None
    code = hint.strip()
    if code.isdigit() and len(code) in (6, 12):
        return table.get(code)
    chosen, ambiguous, _, _ = _walk(normalise_text(hint), table)
    return None if ambiguous or not chosen else chosen[-1]


def _common_ancestor(regions: tuple[Region, ...], table: RegionTable) -> Region | None:
    for digits, level in ((4, CITY), (2, PROVINCE)):
        prefixes = {r.adcode[:digits] for r in regions}
        if len(prefixes) == 1:
            region = table.get(prefixes.pop().ljust(6, "0"))
            if region is not None and region.level == level:
                return region
    return None


def _street(detail: str) -> str | None:
    match = _STREET.search(detail)
    if not match:
        return None
    return match.group("street") + (match.group("number") or "")


def _parsed(text: str, region: Region | None, table: RegionTable, **extra) -> ParsedAddress:
    if region is None:
        return ParsedAddress(text=text, **extra)
    province = table.province_of(region)
    city = table.city_of(region)
    level = LEVEL_NAMES[region.level]
    if province.adcode in MUNICIPALITIES:
        city = province  # 北京市朝阳区: the municipality is also the city
        level = "city" if region.level == PROVINCE else level
    return ParsedAddress(
        text=text,
        province=province.name,
        city=city.name if city is not None else None,
        district=region.name if region.level == DISTRICT else None,
        adcode=region.adcode,
        level=level,
        **extra,
    )


def parse_address(
    text: str, city_hint: str | None = None, table: RegionTable | None = None
) -> ParsedAddress:
    """Parse a Chinese address; `city_hint` (name or adcode) settles same-named districts."""
    table = table or region_table()
    norm = normalise_text(text)
    chosen, ambiguous, end, explicit = _walk(norm, table)
    detail = norm[end + len(_SEPARATORS.match(norm, end).group()) :]
    hint = _resolve_hint(city_hint, table)
    notes: list[str] = []
    if city_hint and hint is None:
        notes.append(f"city hint {city_hint!r} matches no single region; ignored")

    if ambiguous and hint is not None:
        inside = tuple(r for r in ambiguous if hint.contains(r))
        if len(inside) == 1:
            notes.append(f"{inside[0].name} resolved by city hint {city_hint!r}")
            return _finish(text, inside[0], table, detail, 0.8, notes)
        ambiguous = inside or ambiguous
    if ambiguous:
        names = tuple(sorted(Candidate(r.adcode, table.full_name(r)) for r in ambiguous))
        places = ", ".join(n.name for n in names)
        notes.append(f"{ambiguous[0].name} exists in several places: {places}")
        ancestor = chosen[-1] if chosen else _common_ancestor(ambiguous, table)
        confidence = 0.3 if ancestor is not None else 0.1
        return _finish(text, ancestor, table, detail, confidence, notes, ambiguities=names)
    if chosen:
        region = chosen[-1]
        if hint is not None and not (hint.contains(region) or region.contains(hint)):
            notes.append(f"city hint {city_hint!r} disagrees with the text; the text wins")
        if region.level == DISTRICT:
            confidence = 1.0 if explicit else 0.9
        else:
            confidence = 0.7 if region.level == CITY else 0.5
        return _finish(text, region, table, detail, confidence, notes)
    if hint is not None:
        notes.append(f"no region named in the text; located by city hint {city_hint!r}")
        return _finish(text, hint, table, detail, 0.3, notes)
    return _finish(text, None, table, detail, 0.0, notes)


def _finish(
    text: str,
    region: Region | None,
    table: RegionTable,
    detail: str,
    confidence: float,
    notes: list[str],
    ambiguities: tuple[Candidate, ...] = (),
) -> ParsedAddress:
    return _parsed(
        text,
        region,
        table,
        street=_street(detail),
        detail=detail,
        confidence=confidence,
        ambiguities=ambiguities,
        notes=tuple(notes),
    )
