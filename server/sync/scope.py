"""What a collector's device may hold: their current visits and everything hanging off them.

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
    RoutePlan,
    Visit,
    VisitAssignee,
    VisitStatus,
)
from server.sync.settings import CLOSED_VISIT_DAYS
from server.sync.tables import SYNC_TABLES

CLOSED_STATUSES = (VisitStatus.COMPLETED, VisitStatus.CANCELLED, VisitStatus.MISSED)


@dataclass(frozen=True)
class Who:
    """The collector a pull or push is for, and the server's clock."""

    collector_id: str
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
    """Visits assigned to the collector now: open ones, and closed ones for CLOSED_VISIT_DAYS."""
    return (select(VisitAssignee.visit_id)
            .join(Visit, Visit.id == VisitAssignee.visit_id)
            .where(VisitAssignee.user_id == who.collector_id, VisitAssignee.ended_at.is_(None),
                   or_(Visit.status.not_in(CLOSED_STATUSES), _closed_at() >= closed_since(who))))


def aged_out_visits(who: Who, since: datetime) -> Select:
    """Still-assigned visits that closed long enough ago to leave the device since `since`."""
    return aged_out_between(who.collector_id, *aged_out_window(who, since))


# How far before the cursor's pull a visit may have closed and still leave since then.
AGED_OUT_MARGIN = timedelta(days=CLOSED_VISIT_DAYS, minutes=5)


def aged_out_window(who: Who, since: datetime) -> tuple[datetime, datetime]:
    """The closing times of `aged_out_visits`: [floor, before)."""
    return since - AGED_OUT_MARGIN, closed_since(who)


def aged_out_between(collector, floor, before) -> Select:
    """`aged_out_visits` with its values given (or bound parameters, for a statement built
    once): the collector's still-assigned visits closed in [floor, before)."""
    return (select(VisitAssignee.visit_id)
            .join(Visit, Visit.id == VisitAssignee.visit_id)
            .where(VisitAssignee.user_id == collector, VisitAssignee.ended_at.is_(None),
                   Visit.status.in_(CLOSED_STATUSES),
                   _closed_at() >= floor, _closed_at() < before))


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


def _addresses(visits):
    return select(Address.id).where(or_(
        _is_party(Address.party_id, visits),
        Address.id.in_(select(Visit.address_id).where(Visit.id.in_(visits)))))


def debt_related_parties(visits):
    """Debtors and liable parties (guarantors …): their contact points are not masked."""
    return union(_debtors(visits), select(PartyRelationship.party_id).where(
        PartyRelationship.debtor_id.in_(_debtors(visits)), PartyRelationship.debt_related))


def _plans(who: Who, since: date | None):
    cond = RoutePlan.collector_id == who.collector_id
    cond = and_(cond, RoutePlan.plan_date >= since) if since is not None else and_(
        cond, RoutePlan.plan_date == who.today)
    return select(RoutePlan.id).where(cond)


def _reach(column, reach: str, visits, who: Who, since: date | None):
    """`column` points at something of this kind that the collector's `visits` reach."""
    if reach == "visit":
        return column.in_(visits)
    if reach == "case":
        return column.in_(_cases(visits))
    if reach == "debtor":
        return column.in_(_debtors(visits))
    if reach == "party":
        return _is_party(column, visits)
    if reach == "visit_address":
        return column.in_(select(Visit.address_id).where(Visit.id.in_(visits)))
    if reach == "address":
        return column.in_(_addresses(visits))
    return column.in_(_plans(who, since))  # "plan" (the registry checks the names)


def _anchor(name: str, visits, who: Who, since: date | None):
    spec = SYNC_TABLES[name]
    if not spec.anchors:
        return None
    clauses = [_reach(spec.table.c[column], reach, visits, who, since)
               for column, reach in spec.anchors]
    return clauses[0] if len(clauses) == 1 else or_(*clauses)


def anchored(name: str, visits, who: Who, since: date | None = None):
    """Rows of `name` hanging off `visits` whatever their state (None: global tables).

    For route tables `since` widens the anchor to the collector's plans from that day on; for
    a table keyed by a day it narrows it to the days from `since` to today (what the device
    may hold, having pulled on `since`).
    """
    clause = _anchor(name, visits, who, date.min if since is None else since)
    day = SYNC_TABLES[name].day
    if day is None or since is None:
        return clause
    column = SYNC_TABLES[name].table.c[day]
    return and_(clause, column >= since, column <= who.today)


def in_scope(name: str, visits, who: Who) -> ColumnElement[bool]:
    """Rows of `name` the collector's device should hold, given the collector's `visits`."""
    spec = SYNC_TABLES[name]
    clause = _anchor(name, visits, who, None)  # route tables: today's plans
    if spec.day is not None:
        today = spec.table.c[spec.day] == who.today
        clause = today if clause is None else and_(clause, today)
    if spec.keep is not None:
        kept = spec.keep(spec.table.c, who.collector_id)
        clause = kept if clause is None else and_(clause, kept)
    return true() if clause is None else clause
