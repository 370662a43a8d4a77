"""Reading stored plans for people: scoped lists, the caller's own route, and GeoJSON."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from server.clock import local_today
from server.compliance.inputs import DEFAULT_TZ
from server.errors import NotFound
from server.models import Address, Role, RoutePlan, RouteStop, Team, User, Visit, utcnow


def agency_scope(caller) -> str | None:
    """The agency a caller is limited to (None: admins and compliance see every agency)."""
    if caller.role in (Role.ADMIN, Role.COMPLIANCE):
        return None
    return caller.agency_id or ""  # a dispatcher without an agency matches nobody


def visible_plans(caller, plan_date: date, collector_id: str | None = None,
                  team_id: str | None = None) -> Select:
    """Plans of a day the caller may read: dispatchers their agency's collectors, others all."""
    stmt = (select(RoutePlan).join(User, User.id == RoutePlan.collector_id)
            .where(RoutePlan.plan_date == plan_date).order_by(User.username, RoutePlan.id))
    if agency_scope(caller) is not None:
        stmt = stmt.where(User.agency_id == agency_scope(caller))
    if collector_id:
        stmt = stmt.where(or_(User.id == collector_id, User.username == collector_id))
    if team_id:
        stmt = stmt.where(User.team_id.in_(
            select(Team.id).where(or_(Team.id == team_id, Team.code == team_id))))
    return stmt


def plans_page(session: Session, caller, query: dict, pagination) -> list[dict]:
    """One page of the day's visible plans, as views (X-Pagination carries the total)."""
    stmt = visible_plans(caller, query["date"], query.get("collector"), query.get("team"))
    pagination.item_count = session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (pagination.page - 1) * pagination.page_size
    return plan_views(session, session.scalars(stmt.offset(offset).limit(pagination.page_size)))


def my_plan(session: Session, caller, plan_date: date | None) -> dict:
    """The caller's own plan of a date (default: today in their team's zone); 404 if none."""
    if plan_date is None:
        tz = session.scalar(select(Team.time_zone).join(User, User.team_id == Team.id)
                            .where(User.id == caller.user_id))
        plan_date = local_today(utcnow(), tz or DEFAULT_TZ)
    plan = session.scalar(select(RoutePlan).where(RoutePlan.collector_id == caller.user_id,
                                                  RoutePlan.plan_date == plan_date))
    if plan is None:
        raise NotFound(f"no route planned for you on {plan_date.isoformat()}")
    return plan_views(session, [plan])[0]


def plan_views(session: Session, plans: Iterable[RoutePlan]) -> list[dict]:
    """Plans with their ordered stops (and stop coordinates) and GeoJSON, in two queries."""
    plans = list(plans)
    rows = session.execute(
        select(RouteStop, Address.lat, Address.lng)
        .join(Visit, Visit.id == RouteStop.visit_id).join(Address, Address.id == Visit.address_id)
        .where(RouteStop.plan_id.in_([p.id for p in plans]))
        .order_by(RouteStop.plan_id, RouteStop.position))
    stops: dict[str, list[dict]] = defaultdict(list)
    for stop, lat, lng in rows:
        stops[stop.plan_id].append(_stop_view(stop, lat, lng))
    return [_plan_view(p, stops[p.id]) for p in plans]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _stop_view(stop: RouteStop, lat: float | None, lng: float | None) -> dict:
    return {
        "position": stop.position, "visit_id": stop.visit_id, "eta": _iso(stop.eta),
        "service_start": _iso(stop.service_start), "service_end": _iso(stop.service_end),
        "window_start": _iso(stop.window_start), "window_end": _iso(stop.window_end),
        "leg_distance_m": stop.leg_distance_m, "leg_duration_s": stop.leg_duration_s,
        "lat": lat, "lng": lng,
    }


def _plan_view(plan: RoutePlan, stops: list[dict]) -> dict:
    start = {"lat": plan.start_lat, "lng": plan.start_lng} if plan.start_lat is not None else None
    end = {"lat": plan.end_lat, "lng": plan.end_lng} if plan.end_lat is not None else None
    view = {
        "id": plan.id, "collector_id": plan.collector_id, "partner_id": plan.partner_id,
        "plan_date": plan.plan_date.isoformat(), "status": plan.status,
        "created_at": _iso(plan.created_at), "created_by": plan.created_by,
        "depart_at": _iso(plan.depart_at), "return_at": _iso(plan.return_at),
        "start": start, "end": end, "total_distance_m": plan.total_distance_m,
        "total_duration_s": plan.total_duration_s, "solver": plan.solver,
        "stops": stops, "dropped": plan.dropped,
    }
    view["geojson"] = feature_collection(view)
    return view


def feature_collection(view: dict) -> dict:
    """RFC 7946: a Point per stop and the route from base through the stops back to base,
    every position [longitude, latitude]."""
    features = [
        _feature([s["lng"], s["lat"]], "Point", {
            "position": s["position"], "visit_id": s["visit_id"], "eta": s["eta"],
            "window": [s["window_start"], s["window_end"]]})
        for s in view["stops"] if s["lat"] is not None and s["lng"] is not None
    ]
    line: Sequence = [f["geometry"]["coordinates"] for f in features]
    if view["start"]:
        line = [[view["start"]["lng"], view["start"]["lat"]], *line,
                [view["end"]["lng"], view["end"]["lat"]]]
    if features and len(line) >= 2:
        features.append(_feature(line, "LineString", {
            "collector_id": view["collector_id"], "plan_date": view["plan_date"],
            "distance_m": view["total_distance_m"], "duration_s": view["total_duration_s"]}))
    return {"type": "FeatureCollection", "features": features}


def _feature(coordinates, kind: str, properties: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": kind, "coordinates": coordinates},
            "properties": properties}
