"""The monthly champion / challenger report: the model's arm against the hold-out (today's rule)
on visits made, money recovered and recovery per visit, with 95 % intervals, plus drift."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from server.access import Caller, case_visible
from server.models import Case, HistoryKind, SelectionScore
from server.selection.features import case_features, h
from server.selection.model.features import FEATURES
from server.selection.model.metrics import mean_ci, psi, ratio_ci
from server.selection.model.policy import HOLDOUT, MODEL
from server.selection.registry import model_in_force


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """Start of the month and of the next one, UTC."""
    start = date(month.year, month.month, 1)
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime.combine(start, time(0), UTC), datetime.combine(end, time(0), UTC)


def _per_case(session: Session, caller: Caller, start: datetime, end: datetime):
    arms = (select(SelectionScore.case_id, func.max(SelectionScore.arm).label("arm"))
            .join(Case, Case.id == SelectionScore.case_id)
            .where(SelectionScore.scored_on >= start.date(), SelectionScore.scored_on < end.date(),
                   case_visible(caller))
            .group_by(SelectionScore.case_id).subquery())
    inside = and_(h.c.occurred_at >= start, h.c.occurred_at < end)
    stmt = (select(arms.c.case_id, arms.c.arm,
                   func.coalesce(func.sum(case((and_(inside, h.c.kind == HistoryKind.VISIT), 1),
                                               else_=0)), 0),
                   func.coalesce(func.sum(case((and_(inside, h.c.kind == HistoryKind.PAYMENT),
                                                h.c.amount), else_=0)), 0))
            .join(Case, Case.id == arms.c.case_id)
            .outerjoin(h, and_(h.c.lender_id == Case.lender_id, h.c.case_ref == Case.external_id))
            .group_by(arms.c.case_id, arms.c.arm))
    return session.execute(stmt).all()


def _arm(rows, arm: str) -> dict:
    visits = np.array([float(r[2]) for r in rows if r[1] == arm])
    amount = np.array([float(r[3]) for r in rows if r[1] == arm])
    per_case, low, high = mean_ci(amount)
    per_visit = ratio_ci(amount, visits)
    return {"cases": len(amount), "visits": int(visits.sum()),
            "amount_recovered": round(float(amount.sum()), 2),
            "visits_per_case": mean_ci(visits)[0] if len(visits) else 0.0,
            "recovered_per_case": {"mean": per_case, "ci95": [low, high]},
            "recovered_per_visit": {"value": per_visit[0], "ci95": list(per_visit[1:])},
            "_amounts": amount}


def _difference(a: np.ndarray, b: np.ndarray) -> dict:
    if len(a) < 2 or len(b) < 2:
        return {"mean": None, "ci95": None}
    diff = float(a.mean() - b.mean())
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return {"mean": diff, "ci95": [diff - 1.96 * se, diff + 1.96 * se]}


def monthly_report(session: Session, caller: Caller, month: date, now: datetime) -> dict:
    """Both arms' figures for the month, their difference per case, and feature drift."""
    start, end = month_bounds(month)
    rows = _per_case(session, caller, start, end)
    arms = {arm: _arm(rows, arm) for arm in (MODEL, HOLDOUT)}
    difference = _difference(arms[MODEL].pop("_amounts"), arms[HOLDOUT].pop("_amounts"))
    return {"month": start.date().isoformat()[:7], "arms": arms,
            "model_minus_holdout_per_case": difference,
            "drift": _drift(session, [r[0] for r in rows], min(end, now))}


def _drift(session: Session, case_ids: list[str], at: datetime) -> dict:
    row, _ = model_in_force(session)
    if row is None or not case_ids:
        return {"model_version": row.version if row else None, "psi": {}}
    _, X = case_features(session, at, select(Case.lender_id, Case.external_id)
                         .where(Case.id.in_(case_ids)))
    out = {}
    for j, name in enumerate(FEATURES):
        ref = np.array([v for v in row.reference.get(name, []) if v is not None], float)
        now_values = X[:, j][~np.isnan(X[:, j])]
        out[name] = round(psi(ref, now_values), 4) if len(ref) and len(now_values) else None
    return {"model_version": row.version, "psi": out,
            "drifted": sorted(n for n, v in out.items() if v is not None and v > 0.25)}
