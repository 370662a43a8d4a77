"""The effective profile of a case: its jurisdiction's, its lender's and its placed agencies'
profiles merged strictest-wins (docs/compliance.md), cached per unit of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.compliance.engine import DEFAULT_CODE, SEEDED, Profile, merge_strictest
from server.compliance.profile_store import Scope, profile_of
from server.db.bulk import in_values
from server.errors import NotFound
from server.models import Case, Placement, RuleProfile

Combo = tuple[str, str, tuple[str, ...]]  # (jurisdiction, lender id, placed agency ids)


@dataclass(frozen=True)
class Part:
    """One profile that applies, and where it came from (a stored row or the seeded default)."""

    code: str
    scope: str
    version: int | None
    profile: Profile


class ProfileResolver:
    """Loads the (few) stored profiles once and merges them per combination, with a cache."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[Combo, Profile] = {}
        self._jurisdiction: dict[str, Part] = {}
        self._by_agency: dict[tuple[str, str], list[Part]] = defaultdict(list)
        for row in session.scalars(select(RuleProfile).order_by(RuleProfile.code)):
            part = Part(row.code, row.scope, row.version, profile_of(row))
            if row.scope == Scope.JURISDICTION:
                self._jurisdiction[row.jurisdiction or row.code] = part
            elif row.agency_id:
                self._by_agency[(row.scope, row.agency_id)].append(part)

    def parts(
        self, jurisdiction: str, lender_id: str | None, agencies: Iterable[str]
    ) -> list[Part]:
        """The profiles that apply to this combination, jurisdiction first."""
        found = [self._jurisdiction_part(jurisdiction)]
        found += self._by_agency.get((Scope.LENDER, lender_id or ""), [])
        for agency_id in sorted(set(agencies)):
            found += self._by_agency.get((Scope.AGENCY, agency_id), [])
        return found

    def merged(self, jurisdiction: str, lender_id: str | None, agencies: Iterable[str]) -> Profile:
        """The strictest merge of `parts` for this combination (cached)."""
        key = (jurisdiction, lender_id or "", tuple(sorted(set(agencies))))
        if key not in self._cache:
            self._cache[key] = merge_strictest(
                [p.profile for p in self.parts(jurisdiction, lender_id, key[2])]
            )
        return self._cache[key]

    def for_case(self, case: Case) -> Profile:
        """The effective profile of one case."""
        agencies = placed_agencies(self.session, [case.id]).get(case.id, ())
        return self.merged(case.jurisdiction, case.lender_id, agencies)

    def for_cases(self, cases: Iterable) -> dict[str, Profile]:
        """The effective profile of each case (objects or rows with id, jurisdiction and
        lender_id) by case id, with one query for all their placements."""
        cases = list(cases)
        placed = placed_agencies(self.session, [c.id for c in cases])
        return {c.id: self.merged(c.jurisdiction, c.lender_id, placed.get(c.id, ()))
                for c in cases}

    def _jurisdiction_part(self, code: str) -> Part:
        # A jurisdiction nobody stored falls back to its seeded profile, then to the default,
        # so a fresh database is never "unrestricted".
        for candidate in (code, DEFAULT_CODE):
            if candidate in self._jurisdiction:
                return self._jurisdiction[candidate]
            if candidate in SEEDED:
                return Part(f"seeded:{candidate}", Scope.JURISDICTION, None, SEEDED[candidate])
        raise NotFound(f"no profile for jurisdiction {code!r}")


def placed_agencies(session: Session, case_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The agencies each case is placed with now (placements not returned)."""
    ids = list(case_ids)
    stmt = select(Placement.case_id, Placement.agency_id).where(
        in_values(session, Placement.case_id, ids), Placement.returned_at.is_(None)
    )
    out: dict[str, set[str]] = defaultdict(set)
    for case_id, agency_id in session.execute(stmt):
        out[case_id].add(agency_id)
    return {case_id: tuple(sorted(agencies)) for case_id, agencies in out.items()}


def effective_profile(session: Session, case: Case, resolver: ProfileResolver | None = None):
    """The strictest merge of every profile that applies to `case`."""
    return (resolver or ProfileResolver(session)).for_case(case)


def explain_effective(session: Session, case_id: str) -> dict:
    """The effective profile of a case with the profiles it was merged from and their sources."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    resolver = ProfileResolver(session)
    agencies = placed_agencies(session, [case.id]).get(case.id, ())
    parts = resolver.parts(case.jurisdiction, case.lender_id, agencies)
    merged = resolver.merged(case.jurisdiction, case.lender_id, agencies)
    return {
        "case_id": case.id,
        "profiles": [{"code": p.code, "scope": p.scope, "version": p.version} for p in parts],
        "params": merged.to_dict(),
    }
