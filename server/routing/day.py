"""One planning day loaded set-based: collectors (and crew mates), their visits and what the
windows and prizes need (addresses, debtors, accounts, broken promises, consents, profiles)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver, placed_agencies
from server.compliance.engine import Profile, TimeWindow
from server.compliance.engine.verdicts import Rule
from server.compliance.inputs import DEFAULT_TZ, preferred_windows
from server.models import (
    Account,
    Address,
    Case,
    Consent,
    ConsentKind,
    Party,
    PaymentPromise,
    PromiseStatus,
    Team,
    User,
    Visit,
    VisitAssignee,
    VisitStatus,
)
from server.routing.solver import Point

ROUTABLE = (VisitStatus.ASSIGNED, VisitStatus.IN_PROGRESS)
TWO_PERSON = str(Rule.TWO_PERSON)  # how an override is written on an assignee row


@dataclass(frozen=True)
class DayCollector:
    """A collector's base, shift (local minutes) and team clock."""

    id: str
    username: str
    base: Point | None  # own base, else the team office
    office: Point | None
    shift_start_min: int
    shift_end_min: int
    tz: str  # the team's zone


@dataclass(frozen=True)
class DayVisit:
    """A visit as the planner sees it."""

    id: str
    assignees: tuple[str, ...]
    location: Point | None
    tz: str | None  # the address' zone; None when never resolved
    service_s: int
    required: int  # collectors the visit needs (1 when a dispatcher overrode TWO_PERSON)
    mandatory: bool
    appointment: tuple[datetime, datetime] | None
    prize: int
    profile: Profile
    preferences: tuple[TimeWindow, ...]
    consented: tuple[TimeWindow, ...]


@dataclass(frozen=True)
class Day:
    """Everything one planning run needs."""

    day: date
    collectors: dict[str, DayCollector]
    visits: tuple[DayVisit, ...]


def load_day(session: Session, day: date, collector_ids: Iterable[str], prize_of) -> Day:
    """Load the collectors (plus crew mates of their two-person visits) and their visits."""
    ids, assignees = set(collector_ids), {}
    while True:  # a crew mate's other visits ride on the same route, so load them too
        assignees = _assignees(session, day, ids)
        mates = {u for who in assignees.values() for u in who} - ids
        if not mates:
            break
        ids |= mates
    return Day(day, _collectors(session, ids), _visits(session, assignees, prize_of))


def _assignees(session: Session, day: date, ids: set[str]) -> dict[str, tuple[str, ...]]:
    """Active assignees per routable visit of the day; a deactivated collector is nobody's
    crew mate (the visit then lacks a collector and planning says so)."""
    on_day = (
        select(Visit.id)
        .join(VisitAssignee, VisitAssignee.visit_id == Visit.id)
        .where(Visit.scheduled_on == day, Visit.status.in_(ROUTABLE),
               VisitAssignee.ended_at.is_(None), VisitAssignee.user_id.in_(ids))
    )
    rows = session.execute(
        select(VisitAssignee.visit_id, VisitAssignee.user_id)
        .join(User, User.id == VisitAssignee.user_id)
        .where(VisitAssignee.visit_id.in_(on_day), VisitAssignee.ended_at.is_(None),
               User.active)
    )
    out: dict[str, set[str]] = defaultdict(set)
    for visit_id, user_id in rows:
        out[visit_id].add(user_id)
    return {v: tuple(sorted(who)) for v, who in out.items()}


def _point(lat: float | None, lng: float | None) -> Point | None:
    return Point(lat, lng) if lat is not None and lng is not None else None


def _collectors(session: Session, ids: set[str]) -> dict[str, DayCollector]:
    rows = session.execute(
        select(User, Team).outerjoin(Team, User.team_id == Team.id).where(User.id.in_(ids))
    )
    out = {}
    for user, team in rows:
        office = _point(team.office_lat, team.office_lng) if team else None
        out[user.id] = DayCollector(
            user.id, user.username, _point(user.base_lat, user.base_lng) or office, office,
            user.shift_start_min, user.shift_end_min, team.time_zone if team else DEFAULT_TZ)
    return out


def _visits(session: Session, assignees: dict[str, tuple[str, ...]], prize_of) -> tuple:
    rows = session.execute(
        select(Visit, Address, Case, Party)
        .join(Address, Address.id == Visit.address_id)
        .join(Case, Case.id == Visit.case_id)
        .join(Party, Party.id == Case.debtor_id)
        .where(Visit.id.in_(list(assignees)))
        .order_by(Visit.id)
    ).all()
    case_ids = {case.id for _, _, case, _ in rows}
    owed, bucket = _accounts(session, case_ids)
    broken = dict(session.execute(
        select(PaymentPromise.case_id, func.count()).where(
            PaymentPromise.case_id.in_(case_ids), PaymentPromise.status == PromiseStatus.BROKEN
        ).group_by(PaymentPromise.case_id)).all())
    consented = _contact_time_consents(session, {party.id for *_, party in rows})
    overridden = set(session.scalars(select(VisitAssignee.visit_id).where(
        VisitAssignee.visit_id.in_(list(assignees)), VisitAssignee.ended_at.is_(None),
        VisitAssignee.override_reason.like(f"%{TWO_PERSON}:%"))))
    placed, resolver = placed_agencies(session, case_ids), ProfileResolver(session)
    out = []
    for visit, address, case, party in rows:
        appointment = None
        if visit.window_start is not None and visit.window_end is not None:
            appointment = (visit.window_start, visit.window_end)
        out.append(DayVisit(
            id=visit.id, assignees=assignees[visit.id],
            location=_point(address.lat, address.lng), tz=address.time_zone,
            service_s=max(visit.service_minutes, 0) * 60,
            required=1 if visit.id in overridden else max(visit.required_collectors, 1),
            mandatory=visit.mandatory or appointment is not None, appointment=appointment,
            prize=prize_of(visit.priority, bucket.get(case.id), owed.get(case.id, Decimal(0)),
                           broken.get(case.id, 0)),
            profile=resolver.merged(case.jurisdiction, case.lender_id, placed.get(case.id, ())),
            preferences=preferred_windows(party.preferred_windows),
            consented=consented.get(party.id, ()),
        ))
    return tuple(out)


def _accounts(session: Session, case_ids: set[str]) -> tuple[dict, dict]:
    owed: dict[str, Decimal] = defaultdict(Decimal)
    worst: dict[str, tuple[int, str]] = {}
    rows = session.execute(select(Account.case_id, Account.bucket, Account.outstanding,
                                  Account.dpd).where(Account.case_id.in_(case_ids)))
    for case_id, bucket, outstanding, dpd in rows:
        owed[case_id] += outstanding or Decimal(0)
        if case_id not in worst or dpd > worst[case_id][0]:
            worst[case_id] = (dpd, bucket)
    return owed, {case_id: b for case_id, (_, b) in worst.items()}


def _contact_time_consents(session: Session, party_ids: set[str]) -> dict[str, tuple]:
    """Daily contact-time windows the debtor agreed to, still in force (not withdrawn)."""
    rows = list(session.scalars(select(Consent).where(
        Consent.party_id.in_(party_ids), Consent.kind == ConsentKind.CONTACT_TIME)))
    withdrawn = {r.withdraws for r in rows if r.withdraws}
    out: dict[str, list[TimeWindow]] = defaultdict(list)
    for r in rows:
        scope = r.scope or {}
        if r.withdraws or r.id in withdrawn or r.withdrawn_at or not {"from", "to"} <= set(scope):
            continue
        out[r.party_id].extend(preferred_windows([scope]))
    return {party: tuple(windows) for party, windows in out.items()}
