"""What an agent's device may hold: their current visits and everything hanging off them.

Every function returns SQL (subqueries or WHERE clauses), so a pull is a handful of
set-based statements whatever the number of visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true, union

from server.models import (
    Address,
    Case,
    PartyRelationship,
    PromiseStatus,
    RoutePlan,
    User,
    Visit,
    VisitAssignee,
    VisitStatus,
)
from server.sync.settings import CLOSED_VISIT_DAYS
from server.sync.tables import SYNC_TABLES

CLOSED_STATUSES = (VisitStatus.COMPLETED, VisitStatus.CANCELLED, VisitStatus.MISSED)


@dataclass(frozen=True)
class Who:
    """The agent a pull or push is for, and the server's clock."""

    agent_id: str
    now: datetime
    today: date  # in the operation's time zone (route plans are per local day)
    tz: str = "UTC"

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.tz)).date()


def closed_since(who: Who) -> datetime:
    return who.now - timedelta(days=CLOSED_VISIT_DAYS)


def _closed_at():
    return func.coalesce(Visit.completed_at, Visit.updated_at)


def current_visits(who: Who) -> Select:
    """Visits assigned to the agent now: open ones, and closed ones for CLOSED_VISIT_DAYS."""
    return (select(VisitAssignee.visit_id)
            .join(Visit, Visit.id == VisitAssignee.visit_id)
            .where(VisitAssignee.user_id == who.agent_id, VisitAssignee.ended_at.is_(None),
                   or_(Visit.status.not_in(CLOSED_STATUSES), _closed_at() >= closed_since(who))))


def aged_out_visits(who: Who, since: datetime) -> Select:
    """Still-assigned visits that closed long enough ago to leave the device since `since`."""
    return (select(VisitAssignee.visit_id)
            .join(Visit, Visit.id == VisitAssignee.visit_id)
            .where(VisitAssignee.user_id == who.agent_id, VisitAssignee.ended_at.is_(None),
                   Visit.status.in_(CLOSED_STATUSES),
                   _closed_at() >= since - timedelta(days=CLOSED_VISIT_DAYS, minutes=5),
                   _closed_at() < closed_since(who)))


def _cases(visits) -> Select:
    return select(Visit.case_id).where(Visit.id.in_(visits))


def _debtors(visits) -> Select:
    return select(Case.debtor_id).where(Case.id.in_(_cases(visits)))


def _is_party(column, visits):
    """`column` names a debtor of the visits' cases or a party related to one.

    Two IN tests joined by OR (not IN a UNION): PostgreSQL hashes each subquery once.
    """
    related = select(PartyRelationship.party_id).where(
        PartyRelationship.debtor_id.in_(_debtors(visits)))
    return or_(column.in_(_debtors(visits)), column.in_(related))


def _is_address(column_id, column_party, visits):
    return or_(column_party.in_(_debtors(visits)),
               column_party.in_(select(PartyRelationship.party_id).where(
                   PartyRelationship.debtor_id.in_(_debtors(visits)))),
               column_id.in_(select(Visit.address_id).where(Visit.id.in_(visits))))


def _addresses(visits):
    return select(Address.id).where(_is_address(Address.id, Address.party_id, visits))


def debt_related_parties(visits):
    """Debtors and liable parties (guarantors …): their contact points are not masked."""
    return union(_debtors(visits), select(PartyRelationship.party_id).where(
        PartyRelationship.debtor_id.in_(_debtors(visits)), PartyRelationship.debt_related))


def _plans(who: Who, since: date | None):
    cond = RoutePlan.agent_id == who.agent_id
    cond = and_(cond, RoutePlan.plan_date >= since) if since else and_(
        cond, RoutePlan.plan_date == who.today)
    return select(RoutePlan.id).where(cond)


def anchored(name: str, visits, who: Who, since: date | None = None):
    """Rows of `name` hanging off `visits` whatever their state (None: global tables).

    For route tables `since` widens the anchor to the agent's plans from that day on.
    """
    c = SYNC_TABLES[name].table.c
    if name == "visits":
        return c.id.in_(visits)
    if name in ("check_ins", "visit_outcomes", "visit_notes", "attachments"):
        return c.visit_id.in_(visits)
    if name == "cases":
        return c.id.in_(_cases(visits))
    if name in ("accounts", "payment_promises", "payments", "consents", "case_requests",
                "call_logs"):
        return c.case_id.in_(_cases(visits))
    if name == "parties":
        return _is_party(c.id, visits)
    if name == "party_relationships":
        return c.debtor_id.in_(_debtors(visits))
    if name == "addresses":
        return _is_address(c.id, c.party_id, visits)
    if name in ("contact_points", "opt_outs"):
        return _is_party(c.party_id, visits)
    if name == "address_reports":
        return or_(c.visit_id.in_(visits), c.address_id.in_(_addresses(visits)))
    if name == "route_plans":
        return c.id.in_(_plans(who, since or date.min))
    if name == "route_stops":
        return c.plan_id.in_(_plans(who, since or date.min))
    return None


def in_scope(name: str, visits, who: Who) -> ColumnElement[bool]:
    """Rows of `name` the agent's device should hold, given the agent's `visits`."""
    c = SYNC_TABLES[name].table.c
    if name == "payment_promises":
        return and_(anchored(name, visits, who), c.status == PromiseStatus.ACTIVE)
    if name == "route_plans":
        return c.id.in_(_plans(who, None))
    if name == "route_stops":
        return c.plan_id.in_(_plans(who, None))
    if name == "rule_profiles":
        # Jurisdiction and lender profiles apply to everyone's cases; an agency's own profile
        # is its configuration, for its people only.
        return or_(c.scope != "agency", c.agency_id.in_(
            select(User.agency_id).where(User.id == who.agent_id)))
    clause = anchored(name, visits, who)
    return true() if clause is None else clause


FILTERED_TABLES = ("payment_promises", "route_plans", "route_stops")  # scope != anchor
