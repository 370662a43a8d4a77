"""A collector's day, planned against done: each visit's ETA beside the first check-in, the
outcome, the promises and the money taken, and the planned distance; read audited."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.access import Caller, assigned_to, sees_everything
from server.audit.reads import record_list
from server.errors import NotFound
from server.models import (
    Case,
    CheckIn,
    Payment,
    PaymentPromise,
    Role,
    RoutePlan,
    RouteStop,
    User,
    Visit,
    VisitOutcome,
)


def day_collector(session: Session, caller: Caller, user_id: str | None) -> User:
    """The collector whose day is shown: a collector themself; staff one of their agency."""
    user = session.get(User, caller.user_id if caller.role == Role.COLLECTOR else user_id or "")
    if user is None or user.role != Role.COLLECTOR or not (
            sees_everything(caller) or user.agency_id == caller.agency_id):
        raise NotFound(f"no collector {user_id!r}")
    return user


def _by_visit(rows) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for visit_id, *rest in rows:
        out[visit_id].append(rest)
    return out


def collector_day(session: Session, caller: Caller, user: User, on: date) -> dict:
    """Every visit of the collector's day with plan and outcome, and the day's totals."""
    visits = session.execute(
        select(Visit.id, Visit.status, Visit.case_id, Case.external_id).join(
            Case, Case.id == Visit.case_id)
        .where(Visit.scheduled_on == on, assigned_to(user.id))
        .order_by(Visit.priority.desc(), Visit.id)).all()
    ids = [v.id for v in visits]
    eta = dict(session.execute(select(RouteStop.visit_id, RouteStop.eta).join(
        RoutePlan, RoutePlan.id == RouteStop.plan_id).where(
        RoutePlan.collector_id == user.id, RoutePlan.plan_date == on)).all())
    arrived = dict(session.execute(select(CheckIn.visit_id, func.min(CheckIn.recorded_at)).where(
        CheckIn.visit_id.in_(ids), CheckIn.user_id == user.id, CheckIn.kind == "in")
        .group_by(CheckIn.visit_id)).all())
    outcomes = _by_visit(session.execute(select(VisitOutcome.visit_id, VisitOutcome.code).where(
        VisitOutcome.visit_id.in_(ids))))
    promised = _by_visit(session.execute(select(PaymentPromise.visit_id, PaymentPromise.amount)
                                         .where(PaymentPromise.visit_id.in_(ids))))
    paid = _by_visit(session.execute(select(Payment.visit_id, Payment.amount, Payment.method)
                                     .where(Payment.visit_id.in_(ids),
                                            Payment.voided_at.is_(None))))
    distance = session.scalar(select(RoutePlan.total_distance_m).where(
        RoutePlan.collector_id == user.id, RoutePlan.plan_date == on))
    record_list(session, caller.user_id, "visit", ids, {"date": str(on), "collector": user.id,
                                                         "screen": "collector_day"})
    rows = [{"id": v.id, "status": v.status, "case_id": v.case_id, "case_ref": v.external_id,
             "eta": eta.get(v.id), "arrived": arrived.get(v.id),
             "outcomes": [o[0] for o in outcomes.get(v.id, [])],
             "promised": sum((p[0] for p in promised.get(v.id, [])), Decimal(0)),
             "paid": sum((p[0] for p in paid.get(v.id, [])), Decimal(0)),
             "cash": sum((p[0] for p in paid.get(v.id, []) if p[1] == "cash"), Decimal(0))}
            for v in visits]
    totals = {key: sum((r[key] for r in rows), Decimal(0)) for key in ("promised", "paid", "cash")}
    return {"rows": rows, "totals": totals, "planned_km": (distance or 0) / 1000,
            "done": sum(1 for r in rows if r["status"] == "completed"),
            "visited": sum(1 for r in rows if r["arrived"])}
