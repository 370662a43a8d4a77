"""Admins keep logins usable: profile and credentials, base and shift, deactivation, passwords."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.passwords import hash_password
from server.errors import Conflict, InvalidInput, NotFound
from server.models import Agency, AuthToken, Team, User, Visit, VisitAssignee, VisitStatus

# Plain columns an admin may set as given (codes and shifts are translated first).
EDITABLE = ("display_name", "role", "phone", "national_id", "certification_no",
            "certification_expires_on", "training_completed_on", "base_lat", "base_lng",
            "base_label", "shift_start_min", "shift_end_min", "daily_capacity", "active")
# Never written into the audit trail in clear.
_SECRET = {"national_id"}


def get_user(session: Session, user_id: str) -> User:
    """One user by id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id!r}")
    return user


def _by_code(session: Session, model, code: str, field: str):
    found = session.scalar(select(model).where(model.code == code))
    if found is None:
        raise InvalidInput(f"no {field} has the code {code!r}", {field: ["unknown code"]})
    return found


def _placement(session: Session, user: User, changes: dict) -> None:
    """Team and agency from their codes; a team's agency is the user's agency."""
    team = changes.pop("team", ...)
    agency = changes.pop("agency", ...)
    if agency is not ...:
        changes["agency_id"] = _by_code(session, Agency, agency, "agency").id if agency else None
    if team is not ...:
        row = _by_code(session, Team, team, "team") if team else None
        changes["team_id"] = row.id if row else None
        if row is not None and changes.setdefault("agency_id", row.agency_id) != row.agency_id:
            raise InvalidInput("the team belongs to another agency",
                               {"team": ["not a team of that agency"]})
    team_id = changes.get("team_id", user.team_id)
    agency_id = changes.get("agency_id", user.agency_id)
    if team_id and session.scalar(select(Team.agency_id).where(Team.id == team_id)) != agency_id:
        raise InvalidInput("the user's team belongs to another agency",
                           {"agency": ["the user's team is not of this agency"]})


def _open_assignments(session: Session, user_id: str) -> list[str]:
    return list(session.scalars(select(Visit.id).join(
        VisitAssignee, VisitAssignee.visit_id == Visit.id).where(
        VisitAssignee.user_id == user_id, VisitAssignee.ended_at.is_(None),
        Visit.status.in_(VisitStatus.OPEN)).order_by(Visit.scheduled_on, Visit.id)))


def revoke_tokens(session: Session, user_id: str, now: datetime) -> None:
    """End every live token of the user (deactivation, a new password)."""
    session.execute(update(AuthToken).where(AuthToken.user_id == user_id,
                                            AuthToken.revoked_at.is_(None))
                    .values(revoked_at=now))


def update_user(session: Session, actor_id: str, user_id: str, fields: Mapping[str, Any],
                now: datetime) -> User:
    """Apply an admin's changes (audited, before and after); deactivating a collector who
    still has open visits is refused, and ends the user's tokens."""
    user = get_user(session, user_id)
    changes = dict(fields)
    _placement(session, user, changes)
    start = changes.get("shift_start_min", user.shift_start_min)
    if changes.get("shift_end_min", user.shift_end_min) <= start:
        raise InvalidInput("the shift must end after it starts", {"shift_end": ["before start"]})
    if changes.get("active") is False and user.active:
        visits = _open_assignments(session, user.id)
        if visits:
            raise Conflict("reassign the user's open visits first", {"visit_ids": visits})
        revoke_tokens(session, user.id, now)
    before = {k: getattr(user, k) for k in changes if getattr(user, k) != changes[k]}
    for key, value in changes.items():
        setattr(user, key, value)
    if before:
        audit.record(session, actor_id, "user.update", "user", user.id, {
            "changed": {k: ("***" if k in _SECRET else _plain(v)) for k, v in before.items()},
            "now": {k: ("***" if k in _SECRET else _plain(changes[k])) for k in before}},
            now=now)
    return user


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def reset_password(session: Session, actor_id: str, user_id: str, password: str,
                   now: datetime) -> User:
    """Set a new password, clear a lockout, end every token (audited, never the password)."""
    user = get_user(session, user_id)
    try:
        user.password_hash = hash_password(password)
    except ValueError as exc:
        raise InvalidInput(str(exc), {"password": [str(exc)]}) from exc
    user.failed_logins, user.locked_until = 0, None
    revoke_tokens(session, user.id, now)
    audit.record(session, actor_id, "user.password_reset", "user", user.id, now=now)
    return user
