"""The map of a team's day: its visits, each collector's last check-in and the planned routes,
as plain points and lines (optionally shifted onto GCJ-02 tiles), read audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.access import Caller
from server.addresses.geo.gcj02 import wgs84_to_gcj02
from server.audit.reads import record_list
from server.dispatch.board import team_board
from server.dispatch.queries import visits_query
from server.models import CheckIn, Team, User, Visit
from server.routing.queries import plan_views, visible_plans

Shift = Callable[[float, float], tuple[float, float]]


def datum_shift(crs: str) -> Shift:
    """How points are placed on the configured tiles: unchanged, or onto GCJ-02."""
    return wgs84_to_gcj02 if crs.lower() == "gcj02" else (lambda lat, lng: (lat, lng))


def _last_check_ins(session: Session, visit_ids: Select) -> list[dict]:
    latest = (select(CheckIn.user_id, func.max(CheckIn.recorded_at).label("at"))
              .where(CheckIn.visit_id.in_(visit_ids))
              .group_by(CheckIn.user_id).subquery())
    rows = session.execute(
        select(CheckIn.user_id, CheckIn.lat, CheckIn.lng, CheckIn.recorded_at, User.display_name,
               User.username).join(latest, (latest.c.user_id == CheckIn.user_id)
                                   & (latest.c.at == CheckIn.recorded_at))
        .join(User, User.id == CheckIn.user_id).where(CheckIn.visit_id.in_(visit_ids)))
    return [{"user_id": uid, "name": display or username, "lat": lat, "lng": lng,
             "at": at.isoformat()} for uid, lat, lng, at, display, username in rows]


def day_map(session: Session, caller: Caller, day: date, team: Team | None,
            shift: Shift) -> dict:
    """Visits, last check-ins and routes of the day the caller may see."""
    board = team_board(session, caller, day, team)
    # the same visits as a subquery: 2,000 literal ids would cost more to send than to run
    visit_ids = visits_query(caller, day, team.id if team else None).with_only_columns(
        Visit.id).order_by(None)
    visits = [{"id": r["id"], "status": r["status"], "case_ref": r["case_ref"],
               "debtor": r["debtor"], "pos": shift(r["lat"], r["lng"])}
              for r in board.rows if r["lat"] is not None and r["lng"] is not None]
    checks = [{**c, "pos": shift(c.pop("lat"), c.pop("lng"))}
              for c in _last_check_ins(session, visit_ids)]
    plans = plan_views(session, session.scalars(
        visible_plans(caller, day, team_id=team.id if team else None)))
    record_list(session, caller.user_id, "route_plan", [p["id"] for p in plans],
                {"date": str(day), "screen": "map"},
                visit_ids=[s["visit_id"] for p in plans for s in p["stops"]])
    routes = [{"collector_id": p["collector_id"], "distance_m": p["total_distance_m"],
               "dropped": p["dropped"], "line": [shift(lat, lng) for lng, lat in _line(p)]}
              for p in plans]
    return {"day": day.isoformat(), "visits": visits, "check_ins": checks, "routes": routes}


def _line(plan: dict) -> list:
    for feature in plan["geojson"]["features"]:
        if feature["geometry"]["type"] == "LineString":
            return feature["geometry"]["coordinates"]
    return []
