"""The model's features per case as of a moment, from the history store, in three set-based
statements: aggregates, the latest snapshot, the snapshot 30 days before (merged by case).

Only the history store is read: never parties, so no protected attribute can become a feature.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Select, and_, case, func, select, tuple_
from sqlalchemy.orm import Session

from server.models import HistoryEvent, HistoryKind
from server.selection.model.features import FEATURES, bucket_level

MET = ("MET_DEBTOR", "PAID", "PROMISED")
REFUSED = ("REFUSED", "ASKED_TO_LEAVE", "DISPUTED")
NEVER_PAID_DAYS = 999
h = HistoryEvent.__table__


def _count(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


def _aggregates(cutoff: datetime) -> Select:
    recent = h.c.occurred_at >= cutoff - timedelta(days=90)
    kind = h.c.kind
    return (select(
        h.c.lender_id, h.c.case_ref,
        func.sum(case((and_(kind == HistoryKind.PAYMENT, recent), h.c.amount), else_=0))
        .label("paid_90d"),
        func.max(case((kind == HistoryKind.PAYMENT, h.c.occurred_at))).label("last_payment"),
        _count(and_(kind == HistoryKind.PROMISE, h.c.outcome == "kept")).label("promises_kept"),
        _count(and_(kind == HistoryKind.PROMISE, h.c.outcome == "broken"))
        .label("promises_broken"),
        _count(and_(kind == HistoryKind.REMINDER, h.c.outcome == "delivered", recent))
        .label("reminders_delivered"),
        _count(and_(kind == HistoryKind.CALL, recent)).label("calls_made"),
        _count(and_(kind == HistoryKind.CALL, h.c.outcome == "answered", recent))
        .label("calls_answered"),
        _count(kind == HistoryKind.VISIT).label("visits_prior"),
        _count(and_(kind == HistoryKind.VISIT, h.c.outcome.in_(MET))).label("visits_met"),
        _count(and_(kind == HistoryKind.VISIT, h.c.outcome.in_(REFUSED)))
        .label("visits_refused"),
        _count(and_(kind == HistoryKind.SELF_SERVICE, recent)).label("self_service_90d"),
    ).where(h.c.occurred_at < cutoff).group_by(h.c.lender_id, h.c.case_ref))


def _only(stmt: Select, keys: Select | None) -> Select:
    """The statement limited to the (lender_id, case_ref) pairs `keys` selects."""
    if keys is None:
        return stmt
    return stmt.where(tuple_(h.c.lender_id, h.c.case_ref).in_(keys))


def _latest_snapshot(before: datetime, keys: Select | None, strict: bool = True) -> Select:
    rank = func.row_number().over(partition_by=(h.c.lender_id, h.c.case_ref),
                                  order_by=(h.c.occurred_at.desc(), h.c.id.desc()))
    at = h.c.occurred_at < before if strict else h.c.occurred_at <= before
    ranked = _only(select(h.c.lender_id, h.c.case_ref, h.c.balance, h.c.dpd,
                          h.c.address_verified, h.c.distance_km, rank.label("rank"))
                   .where(h.c.kind == HistoryKind.SNAPSHOT, at), keys).subquery()
    return select(ranked).where(ranked.c.rank == 1)


def feature_queries(cutoff: datetime, keys: Select | None = None) -> tuple[Select, ...]:
    """The aggregates, the latest snapshot, and the snapshot 30 days before, per case with
    history before `cutoff` (or per pair `keys` selects): three scans, each one statement."""
    return (_only(_aggregates(cutoff), keys), _latest_snapshot(cutoff, keys),
            _latest_snapshot(cutoff - timedelta(days=30), keys, strict=False))


def _snapshot_values(snap, old_balance) -> dict:
    return {"balance": snap.balance if snap else None, "dpd": snap.dpd if snap else None,
            "address_verified": snap.address_verified if snap else None,
            "distance_km": snap.distance_km if snap else None, "old_balance": old_balance}


def _as_utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def case_features(session: Session, cutoff: datetime, keys: Select | None = None
                  ) -> tuple[list[tuple[str, str]], np.ndarray]:
    """(lender_id, case_ref) of each case and its feature matrix (columns: FEATURES)."""
    agg_q, now_q, old_q = feature_queries(cutoff, keys)
    snap = {(r.lender_id, r.case_ref): r for r in session.execute(now_q)}
    old = {(r.lender_id, r.case_ref): r.balance for r in session.execute(old_q)}
    rows = [dict(r) | _snapshot_values(snap.get((r["lender_id"], r["case_ref"])),
                                       old.get((r["lender_id"], r["case_ref"])))
            for r in session.execute(agg_q).mappings()]
    X = np.full((len(rows), len(FEATURES)), np.nan)
    out = []
    for i, r in enumerate(rows):
        out.append((r["lender_id"], r["case_ref"]))
        last = _as_utc(r["last_payment"])
        balance = float(r["balance"]) if r["balance"] is not None else np.nan
        old = float(r["old_balance"]) if r["old_balance"] is not None else 0.0
        dpd = r["dpd"]
        values = dict(r) | {
            "dpd": np.nan if dpd is None else dpd,
            "bucket_level": np.nan if dpd is None else bucket_level(int(dpd)),
            "balance": balance,
            "balance_trend": (balance - old) / old if old > 0 and balance == balance else 0.0,
            "paid_90d": float(r["paid_90d"] or 0),
            "days_since_payment": NEVER_PAID_DAYS if last is None else min(
                (cutoff - last) // timedelta(days=1), NEVER_PAID_DAYS),
            "address_verified": np.nan if r["address_verified"] is None
            else float(bool(r["address_verified"])),
            "distance_km": np.nan if r["distance_km"] is None else float(r["distance_km"]),
        }
        X[i] = [float(values[name]) for name in FEATURES]
    return out, X
