"""Writing plans: one RoutePlan per collector and day (replaced in place) and its stops."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.db.feed import record_deletions
from server.models import RoutePlan, RouteStop, new_id
from server.routing.solver import Route

from .routes import VehicleDay


def store_plans(session: Session, day: date, vehicles: Iterable[VehicleDay],
                created_by: str | None, now: datetime,
                team_id: str | None = None) -> list[RoutePlan]:
    """Replace each member's plan of `day` with the vehicle's route, in this transaction
    (audited as route_plan.create, whichever entrypoint planned)."""
    vehicles = list(vehicles)
    collectors = [m for vd in vehicles for m in vd.members]
    existing = {p.collector_id: p for p in session.scalars(
        select(RoutePlan).where(RoutePlan.collector_id.in_(collectors),
                                RoutePlan.plan_date == day))}
    _drop_stops(session, [p.id for p in existing.values()])
    plans = []
    for vd in vehicles:
        route = vd.plan.routes[0] if vd.plan and vd.plan.routes else None
        for member in vd.members:
            plan = existing.get(member) or RoutePlan(id=new_id(), collector_id=member,
                                                     plan_date=day)
            _fill(plan, vd, member, route, created_by, now)
            session.add(plan)
            session.add_all(_stops(plan, vd, member, route))
            plans.append(plan)
    session.flush()
    audit.record(session, created_by, "route_plan.create", "route_plan", None, {
        "date": day.isoformat(), "team_id": team_id, "collector_ids": collectors,
        "plan_ids": [p.id for p in plans]})
    return plans


def _drop_stops(session: Session, plan_ids: list[str]) -> None:
    """Delete the old stops set-based and tell the change feed (devices forget them)."""
    rows = session.execute(select(RouteStop.id, RouteStop.collector_id)
                           .where(RouteStop.plan_id.in_(plan_ids))).all()
    if rows:
        session.execute(delete(RouteStop).where(RouteStop.id.in_([r.id for r in rows])),
                        execution_options={"synchronize_session": "fetch"})
        # A stop is on its collector's plan: only that collector's devices held it.
        record_deletions(session, "route_stops", rows)


def _fill(plan: RoutePlan, vd: VehicleDay, member: str, route: Route | None,
          created_by: str | None, now: datetime) -> None:
    solved = vd.plan
    plan.status, plan.created_at, plan.created_by = "planned", now, created_by
    plan.partner_id = next((m for m in vd.members if m != member), None)
    plan.start_lat = plan.end_lat = vd.start.lat if vd.start else None
    plan.start_lng = plan.end_lng = vd.start.lng if vd.start else None
    plan.depart_at = vd.clock.at(route.depart_s) if route else None
    plan.return_at = vd.clock.at(route.return_s) if route else None
    plan.total_distance_m = route.distance_m if route else 0
    plan.total_duration_s = route.duration_s if route else 0
    plan.dropped = [{"visit_id": v, "mandatory": m, "reason": why}
                    for v, m, why in vd.dropped if member in vd.visits[v].assignees]
    plan.solver = {
        "vehicle": "+".join(vd.members), "crew_size": len(vd.members),
        "two_person": vd.two_person,
        "runtime_s": round(solved.runtime_s, 3) if solved else 0.0,
        "iterations": solved.iterations if solved else 0,
        "objective": solved.objective if solved else 0,
        # Travel times partly guessed from straight lines (the road router failed): the
        # dispatcher sees it on the plan; ETAs may be off.
        "matrix_fallback": bool(solved and solved.fallback_pairs),
        "matrix_fallback_pairs": solved.fallback_pairs if solved else 0,
        "feasible": True, "complete": not any(m for _, m, _ in vd.dropped),
        "shift": [vd.clock.at(s).isoformat() for s in vd.shift], "time_zone": vd.clock.tz,
    }


def _stops(plan: RoutePlan, vd: VehicleDay, member: str, route: Route | None) -> list:
    """The member's own visits in driving order; a crew mate's solo visit between two of
    them is not shown, its legs are added to the next leg so distances still add up."""
    out, dist, dur = [], 0, 0
    for v in route.visits if route else ():
        dist, dur = dist + v.leg_distance_m, dur + v.leg_duration_s
        if member not in vd.visits[v.stop_id].assignees:
            continue
        service_s = vd.visits[v.stop_id].service_s
        out.append(RouteStop(
            plan_id=plan.id, visit_id=v.stop_id, collector_id=member, position=len(out) + 1,
            eta=vd.clock.at(v.arrival_s), service_start=vd.clock.at(v.start_s),
            service_end=vd.clock.at(v.start_s) + timedelta(seconds=service_s),
            window_start=vd.clock.at(v.window[0]), window_end=vd.clock.at(v.window[1]),
            leg_distance_m=dist, leg_duration_s=dur))
        dist = dur = 0
    return out
