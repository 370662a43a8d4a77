"""The team a caller names, if their agency runs it (selection's own lookup: dispatch imports
selection, so selection must not import dispatch)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.access import Caller, sees_everything
from server.errors import NotFound
from server.models import Team


def find_team(session: Session, caller: Caller, ref: str) -> Team:
    """A team by id or code within the caller's agency; NotFound otherwise (no hint)."""
    team = session.scalar(select(Team).where(or_(Team.id == ref, Team.code == ref)))
    if team is None or not (sees_everything(caller) or team.agency_id == caller.agency_id):
        raise NotFound(f"no team {ref!r}", {"team": ["no such team in your agency"]})
    return team
