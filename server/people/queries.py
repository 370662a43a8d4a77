"""Read-side queries over users, scoped to what the caller may see."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from server.auth.service import Principal
from server.errors import NotFound
from server.models import Role, Team, User


def visible_users(principal: Principal, role: str | None = None,
                  team_id: str | None = None) -> Select:
    """Users the caller may list: admins and compliance all, dispatchers their agency's."""
    stmt = select(User).order_by(User.username)
    if principal.role == Role.DISPATCHER:
        stmt = stmt.where(User.agency_id == principal.agency_id)
    if role:
        stmt = stmt.where(User.role == role)
    if team_id:
        stmt = stmt.where(User.team_id == team_id)
    return stmt


def get_self(session, principal: Principal) -> User:
    """The caller's own user row."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("user not found")
    return user


def get_visible_user(session, principal: Principal, user_id: str) -> User:
    """One user the caller may list; another agency's is NotFound like an unknown one."""
    found = session.scalar(visible_users(principal).where(User.id == user_id))
    if found is None:
        raise NotFound(f"no user {user_id!r}")
    return found


def team_id_of(session, principal: Principal, ref: str) -> str | None:
    """The id of the team `ref` (an id or a code) if the caller's agency runs it."""
    stmt = select(Team.id).where(or_(Team.id == ref, Team.code == ref))
    if principal.role not in (Role.ADMIN, Role.COMPLIANCE):
        stmt = stmt.where(Team.agency_id == principal.agency_id)
    return session.scalar(stmt.limit(1))


def user_id_of(session, principal: Principal, ref: str) -> str | None:
    """The id of the user `ref` (an id or a username) the caller may name in a filter.

    Collectors may name only themselves; dispatchers their agency's users; others anyone.
    """
    stmt = select(User.id).where(or_(User.id == ref, User.username == ref))
    if principal.role == Role.COLLECTOR:
        stmt = stmt.where(User.id == principal.user_id)
    elif principal.role == Role.DISPATCHER:
        stmt = stmt.where(User.agency_id == principal.agency_id)
    return session.scalar(stmt.limit(1))
