"""Plan and re-plan collectors' days: the use cases the API, the CLI and dispatch call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.errors import InvalidInput, NotFound
from server.models import (
    Role,
    RoutePlan,
    RouteStop,
    Team,
    User,
    Visit,
    VisitAssignee,
    utcnow,
)
from server.routing.solver import Budget, HaversineProvider, MatrixProvider
from server.routing.solver.search import DEFAULT_BUDGET
from server.selection.hooks import with_selection_prizes

from .crews import form_crews
from .day import Day, load_day
from .meetings import form_meetings, solve_meeting
from .prizes import visit_prize
from .routes import VehicleDay, solve_vehicle, vehicle_day
from .store import store_plans

RIDE, MEET = "ride_together", "meet"  # how two-person visits are planned


@dataclass(frozen=True)
class VehicleSummary:
    """Progress of one planned vehicle, for consoles and logs."""

    usernames: tuple[str, ...]
    stops: int
    dropped: int
    mandatory_dropped: int
    distance_m: int
    runtime_s: float
    done: int = 0  # routes solved so far, this one included
    total: int = 0  # routes of the run


def plan_routes(
    session: Session,
    plan_date: date,
    collector_ids: Iterable[str] | None = None,
    team_id: str | None = None,
    *,
    agency_id: str | None = None,
    matrix_provider: MatrixProvider | None = None,
    budget: Budget | None = None,
    created_by: str | None = None,
    progress: Callable[[VehicleSummary], None] | None = None,
    now: datetime | None = None,
    two_person: str = RIDE,
    tolerance_s: int = 600,
) -> list[RoutePlan]:
    """Plan the day of a team or of some collectors (and their crew mates); store and return
    one plan per collector, replacing the previous one. `agency_id` limits who may be
    planned (a dispatcher's agency): anyone else is reported as not found. `two_person`:
    RIDE pairs the collectors of a two-person visit for the whole day, MEET gives each their
    own route and has both at the visit with starts at most `tolerance_s` apart."""
    day = read_day(session, plan_date, collector_ids, team_id, agency_id)
    vehicles = solve_day(day, matrix_provider, budget, progress, two_person, tolerance_s)
    return store_plans(session, plan_date, vehicles, created_by, now or utcnow(), team_id)


def read_day(session: Session, plan_date: date, collector_ids: Iterable[str] | None,
             team_id: str | None, agency_id: str | None = None) -> Day:
    """Everything planning the day needs, read set-based (the solve itself reads nothing)."""
    ids = collectors_to_plan(session, collector_ids, team_id, agency_id)
    return with_selection_prizes(session, load_day(session, plan_date, ids, visit_prize))


def solve_day(day: Day, matrix_provider: MatrixProvider | None = None,
              budget: Budget | None = None,
              progress: Callable[[VehicleSummary], None] | None = None,
              two_person: str = RIDE, tolerance_s: int = 600) -> list[VehicleDay]:
    """Form the crews (or meeting groups) and solve each (no database), reporting after each."""
    provider, budget = matrix_provider or HaversineProvider(), budget or DEFAULT_BUDGET
    form = form_meetings if two_person == MEET else form_crews
    crews = form(day.collectors, {v.id: v.assignees for v in day.visits})
    by_vehicle = defaultdict(list)
    for visit in day.visits:
        by_vehicle[crews.vehicle_of.get(visit.id)].append(visit)
    cache: dict = {}
    vehicles = []
    for done, members in enumerate(crews.vehicles, 1):
        if two_person == MEET and len(members) > 1:
            solved = solve_meeting(day, members, by_vehicle[members], provider, budget, cache,
                                   tolerance_s)
        else:
            solved = [vehicle_day(day, members, by_vehicle[members])]
            solve_vehicle(solved[0], provider, budget, cache)
        for vd in solved:
            vd.two_person = two_person
        vehicles += solved
        for vd in solved if progress else ():
            progress(_summary(day, vd, done, len(crews.vehicles)))
    _crew_drops(day, crews, vehicles)
    return vehicles


def collectors_to_plan(session: Session, collector_ids: Iterable[str] | None,
                       team_id: str | None, agency_id: str | None = None) -> list[str]:
    """Active collectors of the team, or the given ones (ids or usernames); 404 if unknown."""
    if team_id is None and collector_ids is None:
        raise InvalidInput("give a team or a list of collectors", {"team": ["required"]})
    stmt = select(User).where(User.role == Role.COLLECTOR)
    if agency_id is not None:
        stmt = stmt.where(User.agency_id == agency_id)
    if team_id is not None:
        team = session.scalar(select(Team).where(or_(Team.id == team_id, Team.code == team_id)))
        if team is None or agency_id not in (None, team.agency_id):
            raise NotFound(f"no team {team_id!r}")
        stmt = stmt.where(User.team_id == team.id)
    if collector_ids is None:
        return list(session.scalars(stmt.where(User.active).with_only_columns(User.id)))
    wanted = set(collector_ids)
    found = session.scalars(stmt.where(or_(User.id.in_(wanted), User.username.in_(wanted))))
    users = list(found)
    missing = wanted - {u.id for u in users} - {u.username for u in users}
    if missing:
        raise NotFound(f"no collector {sorted(missing)[0]!r}" + (" in that team" if team_id
                                                                 else ""))
    inactive = sorted(u.username for u in users if not u.active)
    if inactive:
        raise InvalidInput(f"collector {inactive[0]!r} is deactivated and gets no plan",
                           {"collectors": [f"deactivated: {', '.join(inactive)}"]})
    return [u.id for u in users]


def _crew_drops(day, crews, vehicles: list[VehicleDay]) -> None:
    """Visits no single vehicle can carry are reported on their collectors' plans."""
    by_member = {m: vd for vd in vehicles for m in vd.members}
    for visit in day.visits:
        reason = crews.dropped.get(visit.id)
        # Once per vehicle: two assignees riding in one crew share one list of dropped visits.
        for vd in {id(by_member[m]): by_member[m] for m in visit.assignees if reason}.values():
            vd.visits.setdefault(visit.id, visit)
            vd.dropped.append((visit.id, visit.mandatory, reason))


def _summary(day, vd: VehicleDay, done: int, total: int) -> VehicleSummary:
    route = vd.plan.routes[0] if vd.plan and vd.plan.routes else None
    return VehicleSummary(
        tuple(day.collectors[m].username for m in vd.members),
        len(route.visits) if route else 0, len(vd.dropped),
        sum(1 for _, mandatory, _ in vd.dropped if mandatory),
        route.distance_m if route else 0, vd.plan.runtime_s if vd.plan else 0.0, done, total)


def replan_for_visits(session: Session, visit_ids: Iterable[str], **options) -> list[RoutePlan]:
    """Re-plan the collectors whose day a changed visit touches (its current assignees and
    whoever had it planned), on each date where one of them already has a plan."""
    ids = list(visit_ids)
    current = session.execute(
        select(VisitAssignee.user_id, Visit.scheduled_on)
        .join(Visit, Visit.id == VisitAssignee.visit_id)
        .where(Visit.id.in_(ids), VisitAssignee.ended_at.is_(None)))
    previous = session.execute(
        select(RouteStop.collector_id, RoutePlan.plan_date)
        .join(RoutePlan, RoutePlan.id == RouteStop.plan_id)
        .where(RouteStop.visit_id.in_(ids)))
    pairs = [*current, *previous]
    active = set(session.scalars(select(User.id).where(
        User.id.in_({a for a, _ in pairs}), User.active)))
    by_date: dict[date, set[str]] = defaultdict(set)
    for collector_id, day in pairs:
        if collector_id in active:  # a deactivated collector gets no plan
            by_date[day].add(collector_id)
    plans: list[RoutePlan] = []
    for day, collectors in sorted(by_date.items()):
        planned = session.scalar(select(RoutePlan.solver).where(
            RoutePlan.plan_date == day, RoutePlan.collector_id.in_(collectors)).limit(1))
        if planned is not None:  # the day is re-planned the way it was planned
            mode = {"two_person": (planned or {}).get("two_person", RIDE)}
            plans += plan_routes(session, day, collectors, **{**mode, **options})
    return plans
