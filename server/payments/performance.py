"""Agency performance per period (the PlacementsPlus kind of report): cases placed, right-party
contacts, promises made and kept, amount recovered, complaints — per agency.

Work is the agency's when it happened while the case was placed with it: a contact or a
promise by one of its people, money counted for an account of a case placed with it at the
payment's time (field payments and lender postings, each amount once: server/payments/counted),
a complaint received while placed with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from server.models import (
    Account,
    Agency,
    Case,
    Complaint,
    ContactAttempt,
    PaymentPromise,
    Placement,
    PromiseStatus,
    Role,
    User,
)
from server.payments.counted import counted_money

METRICS = ("cases_placed", "right_party_contacts", "promises_made", "promises_kept",
           "amount_recovered", "complaints")


def _placed_at(moment):
    """Placement rows covering `moment` (a column or value)."""
    return and_(Placement.placed_at <= moment,
                or_(Placement.returned_at.is_(None), Placement.returned_at > moment))


def right_party_contact(debtor_id):
    """A contact attempt that reached the case's debtor (the report's right-party contact)."""
    return and_(ContactAttempt.connected.is_(True), ContactAttempt.party_id == debtor_id)


def agency_performance(session: Session, caller, start: datetime, end: datetime) -> list[dict]:
    """One row per agency with work in [start, end), for the caller's lender (admins: all)."""
    own = (Case.lender_id == caller.agency_id) if caller.role == Role.LENDER_OPS else true()
    queries = {
        "cases_placed": select(Placement.agency_id, func.count(func.distinct(Placement.case_id)))
        .join(Case, Case.id == Placement.case_id)
        .where(own, Placement.placed_at < end,
               or_(Placement.returned_at.is_(None), Placement.returned_at >= start)),
        "right_party_contacts": select(User.agency_id, func.count())
        .select_from(ContactAttempt).join(User, User.id == ContactAttempt.user_id)
        .join(Case, Case.id == ContactAttempt.case_id)
        .where(own, right_party_contact(Case.debtor_id),
               ContactAttempt.occurred_at >= start, ContactAttempt.occurred_at < end),
        "promises_made": _promises(own, start, end),
        "promises_kept": _promises(own, start, end, PaymentPromise.status == PromiseStatus.KEPT),
        "amount_recovered": _recovered(own, start, end),
        "complaints": select(Placement.agency_id, func.count(func.distinct(Complaint.id)))
        .select_from(Complaint).join(Case, Case.id == Complaint.case_id)
        .join(Placement, and_(Placement.case_id == Case.id, _placed_at(Complaint.received_at)))
        .where(own, Complaint.received_at >= start, Complaint.received_at < end),
    }
    rows: dict[str, dict] = {}
    for metric, stmt in queries.items():
        for agency_id, value in session.execute(stmt.group_by(stmt.selected_columns[0])):
            if agency_id is not None:
                rows.setdefault(agency_id, dict.fromkeys(METRICS, 0))[metric] = value or 0
    names = dict(session.execute(select(Agency.id, Agency.code).where(Agency.id.in_(rows))).all())
    return [{"agency": names.get(a), **m} for a, m in sorted(rows.items(),
                                                           key=lambda r: names.get(r[0]) or "")]


def _promises(own, start, end, *extra):
    p = PaymentPromise
    return (select(User.agency_id, func.count()).select_from(p).join(User, User.id == p.user_id)
            .join(Case, Case.id == p.case_id)
            .where(own, p.recorded_at >= start, p.recorded_at < end, p.review_flag.is_(None),
                   *extra))


def _recovered(own, start, end):
    money = counted_money()
    return (select(Placement.agency_id, func.sum(money.c.amount)).select_from(money)
            .join(Account, Account.id == money.c.account_id)
            .join(Case, Case.id == Account.case_id)
            .join(Placement, and_(Placement.case_id == Case.id, _placed_at(money.c.paid_at)))
            .where(own, money.c.paid_at >= start, money.c.paid_at < end))
