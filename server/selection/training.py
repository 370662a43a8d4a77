"""Train an uplift model on the history store and put it in the registry, unapproved.

Examples are decision points: every `step_days` in the window, each case with a snapshot in the
35 days before gets its features as of that moment (the same query that scores cases), and the
next `horizon_days` say whether it was visited, whether it paid, and how much.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from server.models import HistoryKind, ModelStatus, SelectionModel
from server.selection.features import case_features, h
from server.selection.model.features import FEATURES
from server.selection.model.learner import Params, UpliftModel
from server.selection.model.metrics import auuc, qini
from server.selection.model.policy import HOLDOUT, arm_of

MIN_EXAMPLES = 200
REFERENCE_POINTS = 101  # quantiles kept per feature for drift


@dataclass(frozen=True)
class TrainingSettings:
    """How a model is trained (config: SELECTION_*)."""

    horizon_days: int = 30
    window_days: int = 365
    step_days: int = 30
    visit_cost: float = 150.0
    params: Params = field(default_factory=Params)


def decision_points(start: date, end: date, step_days: int) -> list[datetime]:
    """Midnight UTC of every `step_days` from `start`, up to `end`."""
    out, day = [], start
    while day <= end:
        out.append(datetime.combine(day, time(0), UTC))
        day += timedelta(days=step_days)
    return out


def _labels(session: Session, at: datetime, horizon: timedelta) -> dict:
    inside = and_(h.c.occurred_at >= at, h.c.occurred_at < at + horizon)
    stmt = (select(h.c.lender_id, h.c.case_ref,
                   func.max(case((h.c.kind == HistoryKind.VISIT, 1), else_=0)),
                   func.sum(case((h.c.kind == HistoryKind.PAYMENT, h.c.amount), else_=0)))
            .where(inside).group_by(h.c.lender_id, h.c.case_ref))
    return {(r[0], r[1]): (int(r[2]), float(r[3] or 0)) for r in session.execute(stmt)}


def _active(at: datetime):
    return (select(h.c.lender_id, h.c.case_ref)
            .where(h.c.kind == HistoryKind.SNAPSHOT, h.c.occurred_at < at,
                   h.c.occurred_at >= at - timedelta(days=35)).distinct())


def training_examples(session: Session, points: list[datetime], horizon_days: int):
    """Features, visited, paid and amount of every (case, decision point)."""
    parts, horizon = [], timedelta(days=horizon_days)
    for at in points:
        keys, X = case_features(session, at, _active(at))
        labels = _labels(session, at, horizon)
        got = np.array([labels.get(k, (0, 0.0)) for k in keys]).reshape(-1, 2)
        parts.append((X, got[:, 0], got[:, 1], [k[1] for k in keys]))
    X = np.vstack([p[0] for p in parts]) if parts else np.empty((0, len(FEATURES)))
    visited = np.concatenate([p[1] for p in parts]).astype(int) if parts else np.empty(0, int)
    amount = np.concatenate([p[2] for p in parts]) if parts else np.empty(0)
    refs = [r for p in parts for r in p[3]]
    return X, visited, (amount > 0).astype(int), amount, refs


def _validation_metrics(model: UpliftModel, X, visited, paid, amount) -> dict:
    scores = model.score(X)
    out = {"validation_examples": len(X)}
    for arm, p in ((1, scores.p_visit), (0, scores.p_no_visit)):
        m = visited == arm
        if m.sum():
            name = "visit" if arm else "no_visit"
            out[f"brier_{name}"] = float(np.mean((p[m] - paid[m]) ** 2))
            out[f"mean_p_{name}"], out[f"paid_rate_{name}"] = float(p[m].mean()), \
                float(paid[m].mean())
    if len(set(visited)) == 2 and len(set(paid)) == 2:
        out["qini_observational"] = qini(paid, scores.uplift, visited)
        out["auuc_observational"] = auuc(paid, scores.uplift, visited)
    out["mean_uplift"] = float(scores.uplift.mean())
    return out


def train_model(session: Session, now: datetime, settings: TrainingSettings) -> dict:
    """Fit on the window that ends `horizon` before today; register it (status trained)."""
    end = now.astimezone(UTC).date() - timedelta(days=settings.horizon_days)
    start = end - timedelta(days=settings.window_days)
    points = decision_points(start, end, settings.step_days)
    X, visited, paid, amount, refs = training_examples(session, points, settings.horizon_days)
    arms_ok = all(len(set(paid[visited == a])) == 2 for a in (0, 1)) if len(X) else False
    if len(X) < MIN_EXAMPLES or not arms_ok:
        return {"trained": False, "examples": len(X),
                "reason": "too few examples, or an arm without payers and non-payers"}
    valid = np.array([arm_of(r, 0.2, 97) == HOLDOUT for r in refs])  # 20 % of cases
    model = UpliftModel(settings.params).fit(X[~valid], visited[~valid], paid[~valid],
                                             amount[~valid])
    metrics = _validation_metrics(model, X[valid], visited[valid], paid[valid], amount[valid])
    metrics |= {"training_examples": int((~valid).sum()), "decision_points": len(points)}
    version = (session.scalar(select(func.max(SelectionModel.version))) or 0) + 1
    row = SelectionModel(version=version, status=ModelStatus.TRAINED, trained_at=now,
                         window_start=start, window_end=end,
                         horizon_days=settings.horizon_days,
                         visit_cost=Decimal(str(settings.visit_cost)), examples=len(X),
                         metrics=metrics, reference=reference_sample(X), artifact=model.dumps())
    session.add(row)
    session.flush()
    return {"trained": True, "model_id": row.id, "version": version, "examples": len(X)}


def reference_sample(X: np.ndarray) -> dict:
    """Quantiles of each feature in the training data: what drift is measured against."""
    qs = np.linspace(0, 1, REFERENCE_POINTS)
    return {name: [None if np.isnan(v) else float(v)
                   for v in np.nanquantile(X[:, j], qs)] if np.isfinite(X[:, j]).any() else []
            for j, name in enumerate(FEATURES)}
