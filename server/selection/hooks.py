"""Where the day's selection reaches dispatch: auto-assign's ranking and the route prizes.

Both are small optional calls: with no scores for the day they change nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.sql import chunks
from server.models import SelectionScore, Visit

NEUTRAL = (1, 0.0)  # a case nobody scored for the day
PRIZE_PER_UNIT_M = 10  # a visit worth 1 unit of expected value is worth a 10 m detour
MAX_PRIZE_BONUS_M = 20_000


def _scores(session: Session, case_ids, on: date) -> dict:
    out: dict = {}
    for batch in chunks(list(case_ids)):
        out |= {r.case_id: r for r in session.scalars(select(SelectionScore).where(
            SelectionScore.case_id.in_(batch), SelectionScore.scored_on == on))}
    return out


def selection_ranks(session: Session, case_ids, on: date) -> dict[str, tuple]:
    """A sort key per case: chosen first (highest value first), unscored next, then the rest."""
    out = {}
    for case_id, s in _scores(session, case_ids, on).items():
        ev = s.expected_value or 0.0
        out[case_id] = (0, -ev) if s.selected else (2, -ev)
    return out


def with_selection_prizes(session: Session, day):
    """The planner's day with chosen visits' prizes raised by their expected value."""
    ids = [v.id for v in day.visits]
    if not ids:
        return day
    case_of = dict(session.execute(select(Visit.id, Visit.case_id)
                                   .where(Visit.id.in_(ids))).all())
    scores = _scores(session, set(case_of.values()), day.day)
    if not scores:
        return day
    visits = []
    for v in day.visits:
        s = scores.get(case_of.get(v.id))
        if s is not None and s.selected and (s.expected_value or 0) > 0:
            bonus = min(int(s.expected_value * PRIZE_PER_UNIT_M), MAX_PRIZE_BONUS_M)
            v = replace(v, prize=v.prize + bonus)
        visits.append(v)
    return replace(day, visits=tuple(visits))
