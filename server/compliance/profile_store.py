"""Rule profiles stored as data: seeding, reading, creating and versioned, audited edits.

Who sees which profile (the `caller` of the API functions; None = the system: CLI, seeding):
jurisdiction and lender profiles apply to every agency working those cases, so every staff
caller may read them; an agency-scoped profile is its agency's own configuration, readable and
writable only by that agency's people, by admins and by compliance officers bound to no agency
(the platform's). An agency-bound compliance officer writes only profiles bound to their own
agency (its agency profile, or its lender profile when the agency is the lender); jurisdiction
profiles and other lenders' are theirs to read, not to change. Out of reach: 404 for what the
caller may not even read, 403 for what they may read but not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from server.access import Caller
from server.audit import service as audit
from server.compliance.engine import SEEDED, Profile, ProfileInvalid
from server.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion
from server.models import Agency, AgencyKind, Role, RuleProfile, RuleProfileVersion, utcnow


class Scope:
    JURISDICTION = "jurisdiction"
    LENDER = "lender"
    AGENCY = "agency"
    ALL = (JURISDICTION, LENDER, AGENCY)


def seed_profiles(session: Session, actor_id: str | None = None) -> list[str]:
    """Store every seeded jurisdiction profile that is not stored yet; return the codes added."""
    stored = set(session.scalars(select(RuleProfile.code)))
    added = [code for code in SEEDED if code not in stored]
    for code in added:
        profile = SEEDED[code]
        _add(session, code, Scope.JURISDICTION, code, None, profile, actor_id, "seeded")
    if added:
        audit.record(session, actor_id, "rules.seeded", "rule_profile", None, {"codes": added})
    return added


def sees_every_profile(caller: Caller | None) -> bool:
    """The system, admins, and compliance officers bound to no agency."""
    return caller is None or caller.role == Role.ADMIN or (
        caller.role == Role.COMPLIANCE and caller.agency_id is None)


def profile_visible(caller: Caller | None) -> ColumnElement[bool]:
    """A WHERE clause on RuleProfile: what the caller may read."""
    if sees_every_profile(caller):
        return true()
    return or_(RuleProfile.scope != Scope.AGENCY,
               RuleProfile.agency_id == (caller.agency_id or ""))


def check_writable(caller: Caller | None, scope: str, agency_id: str | None) -> None:
    """Forbidden unless the caller may create or change a profile of this scope and agency."""
    if sees_every_profile(caller):
        return
    if scope in (Scope.AGENCY, Scope.LENDER) and agency_id and agency_id == caller.agency_id:
        return
    raise Forbidden("you may change only the rule profiles of your own agency")


def profiles_query(scope: str | None = None, caller: Caller | None = None) -> Select:
    """Stored profiles the caller may read, by code."""
    stmt = select(RuleProfile).where(profile_visible(caller)).order_by(RuleProfile.code)
    return stmt.where(RuleProfile.scope == scope) if scope else stmt


def get_profile(session: Session, code: str, caller: Caller | None = None) -> RuleProfile:
    """One stored profile by code that the caller may read, or NotFound."""
    row = session.scalar(select(RuleProfile).where(RuleProfile.code == code,
                                                   profile_visible(caller)))
    if row is None:
        raise NotFound(f"no rule profile {code!r}")
    return row


def profile_of(row: RuleProfile) -> Profile:
    """The engine's Profile for a stored row (stored params are complete by construction)."""
    return Profile.from_dict(row.params)


def validated(code: str, params: Mapping[str, Any]) -> Profile:
    """Read `params` as the full parameter set of profile `code`; 422 names every bad field."""
    if not isinstance(params, Mapping):
        raise ProfileInvalid("params must be an object", {"params": "expected an object"})
    if params.get("code", code) != code:
        raise ProfileInvalid("params name another profile", {"code": f"must be {code!r}"})
    return Profile.from_dict({**params, "code": code})


def update_profile(
    session: Session,
    code: str,
    params: Mapping[str, Any],
    reason: str,
    actor_id: str | None,
    expected_version: int | None = None,
    caller: Caller | None = None,
) -> RuleProfile:
    """Replace a profile's parameters: new version, its history row, and an audit event."""
    row = get_profile(session, code, caller)
    check_writable(caller, row.scope, row.agency_id)
    if expected_version is not None and expected_version != row.version:
        raise StaleVersion(f"profile {code!r} is at version {row.version}, not {expected_version}")
    profile = validated(code, params)
    before = row.params
    row.params = profile.to_dict()
    row.version += 1
    row.updated_by, row.updated_at = actor_id, utcnow()
    _version(session, row, actor_id, reason)
    changed = sorted(k for k in row.params if before.get(k) != row.params[k])
    audit.record(session, actor_id, "rules.profile_updated", "rule_profile", row.id,
                 {"code": code, "version": row.version, "reason": reason, "changed": changed})
    return row


def create_profile(
    session: Session,
    code: str,
    scope: str,
    agency_id: str | None,
    params: Mapping[str, Any],
    reason: str,
    actor_id: str | None,
    caller: Caller | None = None,
) -> RuleProfile:
    """Create a lender-, agency- or jurisdiction-scoped profile (version 1), audited."""
    check_writable(caller, scope, None if scope == Scope.JURISDICTION else agency_id)
    if session.scalar(select(func.count()).where(RuleProfile.code == code)):
        raise Conflict(f"a rule profile {code!r} already exists")
    jurisdiction = None
    if scope == Scope.JURISDICTION:
        jurisdiction, agency_id = code, None
    else:
        _check_agency(session, scope, agency_id)
    row = _add(session, code, scope, jurisdiction, agency_id, validated(code, params), actor_id,
               reason)
    audit.record(session, actor_id, "rules.profile_created", "rule_profile", row.id,
                 {"code": code, "scope": scope, "agency_id": agency_id, "reason": reason})
    return row


def profile_versions(session: Session, row: RuleProfile) -> list[RuleProfileVersion]:
    """Every stored version of a profile, newest first."""
    stmt = select(RuleProfileVersion).where(RuleProfileVersion.profile_id == row.id)
    return list(session.scalars(stmt.order_by(RuleProfileVersion.version.desc())))


def profile_detail(session: Session, code: str, caller: Caller | None = None) -> dict:
    """A profile's columns plus its version history, for display (if the caller may read it)."""
    row = get_profile(session, code, caller)
    columns = {c.key: getattr(row, c.key) for c in RuleProfile.__table__.columns}
    return {**columns, "versions": profile_versions(session, row)}


def _check_agency(session: Session, scope: str, agency_id: str | None) -> None:
    agency = session.get(Agency, agency_id) if agency_id else None
    if agency is None:
        raise InvalidInput("unknown agency", {"agency_id": "no such agency"})
    if scope == Scope.LENDER and agency.kind != AgencyKind.LENDER:
        raise InvalidInput("not a lender", {"agency_id": "a lender profile needs a lender"})


def _add(session, code, scope, jurisdiction, agency_id, profile, actor_id, reason) -> RuleProfile:
    row = RuleProfile(code=code, scope=scope, jurisdiction=jurisdiction, agency_id=agency_id,
                      params=profile.to_dict(), version=1, updated_by=actor_id)
    session.add(row)
    session.flush()
    _version(session, row, actor_id, reason)
    return row


def _version(session: Session, row: RuleProfile, actor_id: str | None, reason: str) -> None:
    session.add(RuleProfileVersion(profile_id=row.id, version=row.version, params=row.params,
                                   changed_by=actor_id, reason=reason))
    session.flush()
