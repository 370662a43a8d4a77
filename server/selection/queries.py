"""Reads of visit selection for the API: the registry and a team's day of scores."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from server.access import Caller
from server.audit.reads import keep_after_commit, record_list
from server.models import SelectionModel, SelectionScore
from server.selection.overrides import visible_scores
from server.selection.registry import models_query
from server.selection.teams import find_team


def list_models(session: Session) -> list[SelectionModel]:
    """Every model of the registry, newest first."""
    rows = session.scalars(models_query()).all()
    keep_after_commit(session, rows)
    return rows


def day_scores(session: Session, caller: Caller, team_ref: str, on: date) -> list:
    """The team's scores of the day, chosen first, highest value first; the read is audited."""
    team = find_team(session, caller, team_ref)
    rows = session.scalars(visible_scores(caller).where(
        SelectionScore.team_id == team.id, SelectionScore.scored_on == on)
        .order_by(SelectionScore.selected.desc(), SelectionScore.expected_value.desc().nulls_last(),
                  SelectionScore.case_id)).all()
    record_list(session, caller.user_id, "selection_score", [r.id for r in rows],
                {"team": team.id, "date": on}, cases=[r.case_id for r in rows])
    keep_after_commit(session, rows)
    return rows
