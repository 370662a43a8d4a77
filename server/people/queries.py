"""Read-side queries over users, scoped to what the caller may see."""

from __future__ import annotations

from sqlalchemy import Select, select

from server.auth.service import Principal
from server.errors import NotFound
from server.models import Role, User


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
