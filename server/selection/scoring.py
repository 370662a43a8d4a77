"""Score a team's day: arms, the approved model's scores and reasons, the choice within capacity.

Every candidate gets one selection_scores row for the day (re-scoring replaces its values under
the same id, keeps the dispatcher's override, and notes the rows in the change feed so the
collectors' phones get them). Without an approved model every case is handled by today's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.access import Caller
from server.audit import service as audit
from server.db.feed import record_changes
from server.db.sql import chunks, insert_ignore
from server.models import Case, Role, SelectionArm, SelectionScore, User, new_id
from server.selection.candidates import CaseRow, team_candidates
from server.selection.features import case_features
from server.selection.model.policy import MODEL, Candidate, arm_of, choose
from server.selection.own_records import sync_own_records
from server.selection.registry import model_in_force
from server.selection.teams import find_team


@dataclass(frozen=True)
class SelectionSettings:
    """Config: SELECTION_HOLDOUT_SHARE, SELECTION_SEED."""

    holdout_share: float = 0.10
    seed: int = 19


@dataclass(frozen=True)
class DayRequest:
    team: str
    on: date
    capacity: int | None = None  # visits; default: the collectors' capacity over two


def ensure_arms(session: Session, case_ids: list[str], settings: SelectionSettings,
                now: datetime) -> dict[str, str]:
    """Each case's arm: kept once recorded, else drawn from its id and recorded now."""
    rows = [{"case_id": c, "arm": arm_of(c, settings.holdout_share, settings.seed),
             "share": settings.holdout_share, "seed": settings.seed, "assigned_at": now}
            for c in case_ids]
    insert_ignore(session, SelectionArm.__table__, rows, conflict=("case_id",))
    arms: dict[str, str] = {}
    for batch in chunks(case_ids):
        arms |= dict(session.execute(select(SelectionArm.case_id, SelectionArm.arm)
                                     .where(SelectionArm.case_id.in_(batch))).all())
    return arms


def _capacity(session: Session, team_id: str) -> int:
    total = session.scalar(select(func.sum(User.daily_capacity)).where(
        User.team_id == team_id, User.role == Role.COLLECTOR, User.active.is_(True)))
    return int(total or 0) // 2  # two collectors per home visit


def _model_scores(session: Session, rows: list[CaseRow], model, now: datetime, cost: float):
    ids = [r.case_id for r in rows]
    cutoff = now + timedelta(seconds=1)  # the day's snapshot, taken at `now`, is in
    keys, X = case_features(session, cutoff, select(Case.lender_id, Case.external_id)
                            .where(Case.id.in_(ids)))
    index = {k: i for i, k in enumerate(keys)}
    scores, reasons = model.score(X), model.reasons(X) if len(X) else []
    out = {}
    for r in rows:
        i = index.get((r.lender_id, r.case_ref))
        if i is not None:
            out[r.case_id] = (float(scores.p_visit[i]), float(scores.p_no_visit[i]),
                              float(scores.amount[i]), float(scores.expected_value(cost)[i]),
                              reasons[i])
    return out


def score_day(session: Session, caller: Caller, req: DayRequest, now: datetime,
              settings: SelectionSettings) -> dict:
    """Score and choose the team's cases for the day; return the rows and the counts."""
    team = find_team(session, caller, req.team)
    sync_own_records(session, now)
    rows = team_candidates(session, team, req.on)
    arms = ensure_arms(session, [r.case_id for r in rows], settings, now)
    model_row, model = model_in_force(session)
    eligible = [r for r in rows if r.excluded is None]
    modelled = [r for r in eligible if arms[r.case_id] == MODEL]
    scored = _model_scores(session, modelled, model, now, float(model_row.visit_cost)) \
        if model is not None and modelled else {}
    earlier = {r.case_id: r for r in session.execute(select(
        SelectionScore.case_id, SelectionScore.id, SelectionScore.override,
        SelectionScore.override_reason, SelectionScore.override_by, SelectionScore.override_at)
        .where(SelectionScore.scored_on == req.on,
               SelectionScore.case_id.in_([r.case_id for r in rows])))}
    kept = {c: r for c, r in earlier.items() if r.override is not None}
    capacity = req.capacity if req.capacity is not None else _capacity(session, team.id)
    chosen = set(choose([Candidate(r.case_id, arms[r.case_id],
                                   scored[r.case_id][3] if r.case_id in scored else None,
                                   r.priority, r.dpd,
                                   kept[r.case_id].override if r.case_id in kept else None)
                         for r in eligible], capacity))
    out = [_row(r, team.id, req.on, arms[r.case_id], scored.get(r.case_id), model_row,
                r.case_id in chosen, earlier.get(r.case_id)) for r in rows]
    session.execute(delete(SelectionScore).where(
        SelectionScore.scored_on == req.on,
        SelectionScore.case_id.in_([r.case_id for r in rows])))
    if out:
        session.execute(SelectionScore.__table__.insert(), out)
    record_changes(session, "selection_scores", [row["id"] for row in out])
    summary = {"team_id": team.id, "date": req.on, "capacity": capacity,
               "model_version": model_row.version if model_row else None,
               "candidates": len(rows), "excluded": len(rows) - len(eligible),
               "selected": len(chosen)}
    audit.record(session, caller.user_id, "selection.score", "team", team.id,
                 summary | {"date": str(req.on)}, now=now)
    return summary | {"scores": sorted(out, key=_display_order)}


def _row(r: CaseRow, team_id: str, on: date, arm: str, scored, model_row, selected: bool,
         before) -> dict:
    """The case's row for the day; a rescore keeps its id (the phones' copy is updated in
    place) and the dispatcher's override."""
    p1, p0, amount, ev, reasons = scored or (None, None, None, None, [])
    kept = before if before is not None and before.override is not None else None
    return {"id": before.id if before is not None else new_id(), "case_id": r.case_id,
            "team_id": team_id, "scored_on": on,
            "model_id": model_row.id if scored else None, "arm": arm, "excluded": r.excluded,
            "p_visit": p1, "p_no_visit": p0,
            "uplift": None if p1 is None else p1 - p0, "expected_amount": amount,
            "expected_value": ev, "reasons": list(reasons), "selected": selected,
            "override": kept.override if kept else None,
            "override_reason": kept.override_reason if kept else None,
            "override_by": kept.override_by if kept else None,
            "override_at": kept.override_at if kept else None}


def _display_order(row: dict) -> tuple:
    ev = row["expected_value"]
    return (not row["selected"], -(ev if ev is not None else -np.inf), row["case_id"])
