"""Route plans per team (with the visits each route had to drop, and why) and the day's map."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for

from server.audit.reads import record_list
from server.clock import OPERATION_ZONE, local_today
from server.console import blp
from server.console.forms import day
from server.console.session import caller, page
from server.dispatch.board import board_team, team_collectors
from server.dispatch.day_map import datum_shift, day_map
from server.models import Role, utcnow
from server.routing import plan_routes, routing_settings
from server.routing.queries import agency_scope, plan_views, visible_plans
from server.unit_of_work import use_case

STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
PLANNERS = (Role.DISPATCHER, Role.ADMIN)


def _team_and_day(session, args):
    team = board_team(session, caller(), args.get("team"))
    return team, day(args, "date", local_today(utcnow(), team.time_zone if team else
                                               OPERATION_ZONE))


@blp.route("/plans")
@page(*STAFF)
def plans():
    """A team's stored routes of a day: stops, distance, dropped visits with their reasons."""
    who = caller()
    with use_case() as session:
        team, on = _team_and_day(session, request.args)
        views = plan_views(session, session.scalars(
            visible_plans(who, on, team_id=team.id if team else None)))
        record_list(session, who.user_id, "route_plan", [v["id"] for v in views],
                    {"date": str(on), "screen": "plans"},
                    visit_ids=[s["visit_id"] for v in views for s in v["stops"]])
        names = {c["id"]: c["name"] for c in team_collectors(session, team)} if team else {}
        return render_template("console/plans.html", team=team, day=on, plans=views,
                               names=names, may_plan=who.role in PLANNERS)


@blp.route("/plans", methods=["POST"])
@page(*PLANNERS)
def plan():
    """Plan (or re-plan) the team's routes of the day now, with the configured solver."""
    who = caller()
    provider, budget = routing_settings(current_app.config)
    with use_case() as session:
        team, on = _team_and_day(session, request.form)
        plan_routes(session, on, None, team.id if team else None,
                    agency_id=agency_scope(who), matrix_provider=provider, budget=budget,
                    created_by=who.user_id,
                    two_person=current_app.config.get("ROUTING_TWO_PERSON", "meet"))
    return redirect(url_for("console.plans", team=team.code if team else None,
                            date=on.isoformat()))


@blp.route("/map")
@page(*STAFF)
def day_map_page():
    """The map of the day: visits (clustered), collectors' last check-ins, planned routes."""
    with use_case() as session:
        team, on = _team_and_day(session, request.args)
        cfg = current_app.config
        return render_template("console/map.html", team=team, day=on,
                               tile_url=cfg.get("CONSOLE_TILE_URL", ""),
                               attribution=cfg.get("CONSOLE_TILE_ATTRIBUTION", ""))


@blp.route("/map/data")
@page(*STAFF)
def day_map_data():
    """The map's points and lines as JSON (the visits and routes shown are audited)."""
    with use_case() as session:
        team, on = _team_and_day(session, request.args)
        return jsonify(day_map(session, caller(), on, team,
                               datum_shift(current_app.config.get("CONSOLE_TILE_CRS", ""))))
