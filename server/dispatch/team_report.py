"""A team's results per collector: visits, right-party contacts, promises made and kept, amount
collected; per local day, and over the whole range as the sum of the days. One builder, a fixed
number of grouped queries (the days are one derived table, not a loop)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Date, distinct, func, literal, select, union_all
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
CENT = Decimal("0.01")
MEASURES = ("visits", "worked", "contacts", "promises", "kept", "collected")


def _days(first: date, last: date, tz: str, stamp_type):
    """One row per local day: the day and the instants it starts and ends (DST-correct)."""
    zone, rows, day = ZoneInfo(tz), [], first
    while day <= last:
        rows.append(select(literal(day, Date).label("day"),
                           literal(datetime.combine(day, time(), zone), stamp_type).label("since"),
                           literal(datetime.combine(day + timedelta(days=1), time(), zone),
                                   stamp_type).label("until")))
        day += timedelta(days=1)
    return union_all(*rows).subquery("days")


def _by_day(session: Session, stmt) -> dict:
    return {(uid, day): value for uid, day, value in session.execute(stmt)}


def _visit_counts(session: Session, ids: list[str], first: date, last: date) -> list[dict]:
    in_days = Visit.scheduled_on.between(first, last)
    visits = _by_day(session, select(VisitAssignee.user_id, Visit.scheduled_on,
                                     func.count(distinct(Visit.id)))
                     .join(Visit, Visit.id == VisitAssignee.visit_id)
                     .where(VisitAssignee.user_id.in_(ids), in_days)
                     .group_by(VisitAssignee.user_id, Visit.scheduled_on))
    outcomes = (select(VisitOutcome.user_id, Visit.scheduled_on,
                       func.count(distinct(VisitOutcome.visit_id)))
                .join(Visit, Visit.id == VisitOutcome.visit_id)
                .where(VisitOutcome.user_id.in_(ids), in_days)
                .group_by(VisitOutcome.user_id, Visit.scheduled_on))
    worked = _by_day(session, outcomes)
    contacts = _by_day(session, outcomes.where(VisitOutcome.code.in_(RIGHT_PARTY)))
    return [visits, worked, contacts]


def _money_counts(session: Session, ids: list[str], days) -> list[dict]:
    made = PaymentPromise.recorded_at >= days.c.since, PaymentPromise.recorded_at < days.c.until
    promises = (select(PaymentPromise.user_id, days.c.day, func.count())
                .join(days, made[0] & made[1]).where(PaymentPromise.user_id.in_(ids))
                .group_by(PaymentPromise.user_id, days.c.day))
    collected = (select(Payment.user_id, days.c.day, func.sum(Payment.amount))
                 .join(days, (Payment.paid_at >= days.c.since) & (Payment.paid_at < days.c.until))
                 .where(Payment.user_id.in_(ids), Payment.voided_at.is_(None))
                 .group_by(Payment.user_id, days.c.day))
    return [_by_day(session, promises),
            _by_day(session, promises.where(PaymentPromise.status == PromiseStatus.KEPT)),
            _by_day(session, collected)]


def _collectors(session: Session, team: Team):
    return session.execute(select(User.id, User.display_name, User.username).where(
        User.team_id == team.id, User.role == Role.COLLECTOR).order_by(User.username)).all()


def _rpc_rate(row: dict) -> float | None:
    return row["contacts"] / row["worked"] if row["worked"] else None


def team_report_by_day(session: Session, team: Team, first: date, last: date,
                       users=None) -> list[dict]:
    """Rows per collector and local day with any activity, by collector then day."""
    users = _collectors(session, team) if users is None else users
    ids = [u.id for u in users]
    days = _days(first, last, team.time_zone, PaymentPromise.recorded_at.type)
    counts = _visit_counts(session, ids, first, last) + _money_counts(session, ids, days)
    keys = sorted({key for found in counts for key in found})
    names = {u.id: u.display_name or u.username for u in users}
    rows = [{"id": uid, "name": names[uid], "day": day,
             **{m: found.get((uid, day), 0) for m, found in zip(MEASURES, counts, strict=True)}}
            for uid, day in keys]
    order = {u.id: i for i, u in enumerate(users)}
    for r in rows:
        r["collected"] = Decimal(r["collected"] or 0).quantize(CENT)
        r["rpc_rate"] = _rpc_rate(r)
    return sorted(rows, key=lambda r: (order[r["id"]], r["day"]))


def team_report(session: Session, team: Team, first: date, last: date) -> dict:
    """Per collector of the team from `first` to `last` (the team's local days, inclusive):
    the sum of their rows per day (a visit is scheduled on one day, so distinct counts add up)."""
    users = _collectors(session, team)
    totals = {u.id: {"id": u.id, "name": u.display_name or u.username,
                     **dict.fromkeys(MEASURES, 0)} for u in users}
    for day_row in team_report_by_day(session, team, first, last, users):
        for m in MEASURES:
            totals[day_row["id"]][m] += day_row[m]
    rows = list(totals.values())
    for r in rows:
        r["collected"] = Decimal(r["collected"])
        r["rpc_rate"] = _rpc_rate(r)
    top = max((r["collected"] for r in rows), default=Decimal(0)) or Decimal(1)
    for r in rows:  # the bar chart's widths, 0-100
        r["bar"] = float(r["collected"] / top * 100)
    return {"first": first, "last": last, "rows": rows}
