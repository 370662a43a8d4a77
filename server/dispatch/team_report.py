"""A team's results over some days, per collector: visits, right-party contacts, promises made
and kept, amount collected; in a fixed number of grouped queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from server.models import (
    OutcomeCode,
    Payment,
    PaymentPromise,
    PromiseStatus,
    Role,
    Team,
    User,
    Visit,
    VisitAssignee,
    VisitOutcome,
)

# Outcomes where the collector spoke with the debtor themself (a right-party contact).
RIGHT_PARTY = (OutcomeCode.MET_DEBTOR, OutcomeCode.PAID, OutcomeCode.PROMISED,
               OutcomeCode.DISPUTED, OutcomeCode.REFUSED, OutcomeCode.ASKED_TO_LEAVE,
               OutcomeCode.DISTRESSED)


def _grouped(session: Session, stmt) -> dict:
    return {uid: value for uid, value in session.execute(stmt)}


def team_report(session: Session, team: Team, first: date, last: date) -> dict:
    """Per collector of the team from `first` to `last` (the team's local days, inclusive)."""
    tz = ZoneInfo(team.time_zone)
    since = datetime.combine(first, time(), tz)
    until = datetime.combine(last + timedelta(days=1), time(), tz)
    users = session.execute(select(User.id, User.display_name, User.username).where(
        User.team_id == team.id, User.role == Role.AGENT).order_by(User.username)).all()
    ids = [u.id for u in users]
    in_days = Visit.scheduled_on.between(first, last)
    visits = _grouped(session, select(VisitAssignee.user_id, func.count(distinct(Visit.id)))
                      .join(Visit, Visit.id == VisitAssignee.visit_id)
                      .where(VisitAssignee.user_id.in_(ids), in_days)
                      .group_by(VisitAssignee.user_id))
    worked = _grouped(session, select(VisitOutcome.user_id, func.count(distinct(
        VisitOutcome.visit_id))).join(Visit, Visit.id == VisitOutcome.visit_id)
        .where(VisitOutcome.user_id.in_(ids), in_days).group_by(VisitOutcome.user_id))
    contacts = _grouped(session, select(VisitOutcome.user_id, func.count(distinct(
        VisitOutcome.visit_id))).join(Visit, Visit.id == VisitOutcome.visit_id)
        .where(VisitOutcome.user_id.in_(ids), in_days, VisitOutcome.code.in_(RIGHT_PARTY))
        .group_by(VisitOutcome.user_id))
    made_at = PaymentPromise.recorded_at.between(since, until)
    promises = _grouped(session, select(PaymentPromise.user_id, func.count()).where(
        PaymentPromise.user_id.in_(ids), made_at).group_by(PaymentPromise.user_id))
    kept = _grouped(session, select(PaymentPromise.user_id, func.count()).where(
        PaymentPromise.user_id.in_(ids), made_at, PaymentPromise.status == PromiseStatus.KEPT)
        .group_by(PaymentPromise.user_id))
    collected = _grouped(session, select(Payment.user_id, func.sum(Payment.amount)).where(
        Payment.user_id.in_(ids), Payment.paid_at >= since, Payment.paid_at < until,
        Payment.voided_at.is_(None)).group_by(Payment.user_id))
    rows = [{"id": u.id, "name": u.display_name or u.username, "visits": visits.get(u.id, 0),
             "worked": worked.get(u.id, 0), "contacts": contacts.get(u.id, 0),
             "rpc_rate": contacts.get(u.id, 0) / worked[u.id] if worked.get(u.id) else None,
             "promises": promises.get(u.id, 0), "kept": kept.get(u.id, 0),
             "collected": Decimal(collected.get(u.id) or 0)} for u in users]
    top = max((r["collected"] for r in rows), default=Decimal(0)) or Decimal(1)
    for r in rows:  # the bar chart's widths, 0-100
        r["bar"] = float(r["collected"] / top * 100)
    return {"first": first, "last": last, "rows": rows}
