"""/api/v1/route-plans (dispatchers plan and read a day) and /api/v1/me/route (a collector)."""

import json
import logging

from flask import Response, after_this_request, current_app, jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.route_plan_schemas import (
    MyRouteQuerySchema,
    PlannedDaySchema,
    PlanningRunSchema,
    PlanQuerySchema,
    PlanRequestSchema,
    RoutePlanSchema,
)
from server.api.security import current_principal, roles
from server.audit.reads import record_list
from server.extensions import db
from server.models import Role
from server.observability.http import api_metrics
from server.routing import plan_routes, routing_settings
from server.routing.background import get_visible_run, queue_planning, run_planning
from server.routing.queries import agency_scope, my_plan, plan_views, plans_page
from server.unit_of_work import use_case

blp = Blueprint("route_plans", __name__, description="Daily route plans")
GEOJSON = "application/geo+json"
log = logging.getLogger("doorstep.plans")


def _queue(session, body, caller):
    """Record a queued run, answer 202, and plan once the answer has gone out."""
    run = queue_planning(session, body["date"], body.get("collectors"), body.get("team"),
                         agency_scope(caller), caller.user_id, **_two_person(body))
    app, run_id = current_app._get_current_object(), run.id

    @after_this_request
    def _hook(response):
        response.call_on_close(lambda: _plan_after_answer(app, run_id))
        return response

    # Dumped inside the unit of work, before it commits: dumped after it, the reload would
    # open a transaction held until the request ends, and on SQLite the run after the answer
    # would find the database locked. (The 201 schema is the planned day's.)
    answer = jsonify(PlanningRunSchema().dump(run))
    return answer, 202, {"Location": url_for("route_plans.PlanningRuns", run_id=run.id)}


def _two_person(body) -> dict:
    """How two-person visits are planned: the request's choice, else the configured one."""
    config = current_app.config
    return {"two_person": body.get("two_person") or config.get("ROUTING_TWO_PERSON", "meet"),
            "tolerance_s": 60 * config.get("ROUTING_MEET_TOLERANCE_MIN", 10)}


def _plan_after_answer(app, run_id: str) -> None:
    with app.app_context():
        provider, budget = routing_settings(app.config)
        try:
            run_planning(None, run_id, matrix_provider=provider,
                         budget=budget, on_done=lambda report: api_metrics()
                         .observe_fallback_plans(report.get("fallback_plans", 0)))
        except Exception:  # the `planning` job fails it or runs it again
            log.exception("planning run %s could not run", run_id)


@blp.route("/route-plans")
class RoutePlans(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN)
    @blp.arguments(PlanRequestSchema)
    @blp.response(201, PlannedDaySchema)
    @blp.alt_response(202, schema=PlanningRunSchema,
                      description="a team (or background=true): queued; follow the Location")
    def post(self, body):
        """Plan and store a day's routes: a team's (or with background=true) in the background,
        answered at once with a run whose progress GET .../runs/{id} reads; some collectors
        (and their crew mates) in the request."""
        caller = current_principal()
        provider, budget = routing_settings(current_app.config)
        with use_case() as session:
            if "team" in body or body["background"]:
                return _queue(session, body, caller)
            plans = plan_routes(
                session, body["date"], body.get("collectors"), body.get("team"),
                agency_id=agency_scope(caller),
                matrix_provider=provider, budget=budget, created_by=caller.user_id,
                **_two_person(body))
            views = plan_views(session, plans)
            api_metrics().observe_fallback_plans(
                sum(1 for p in views if p["solver"].get("matrix_fallback")))
            return {"plan_date": body["date"], "plans": views}

    @roles(Role.DISPATCHER, Role.ADMIN, Role.COMPLIANCE)
    @blp.arguments(PlanQuerySchema, location="query")
    @blp.response(200, RoutePlanSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """A day's stored plans (dispatchers: their agency's collectors); the plans and the
        visits of their stops (debtors' home coordinates) are audited, one event per answer."""
        caller = current_principal()
        with use_case() as session:
            views = plans_page(session, caller, query, pagination_parameters)
            record_list(session, caller.user_id, "route_plan", [v["id"] for v in views],
                        {**query, "page": pagination_parameters.page},
                        visit_ids=[stop["visit_id"] for v in views for stop in v["stops"]])
            return views


@blp.route("/me/route")
class MyRoute(MethodView):
    @roles(Role.COLLECTOR)
    @blp.arguments(MyRouteQuerySchema, location="query")
    @blp.doc(responses={200: {"content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/RoutePlan"}},
        GEOJSON: {"schema": {"type": "object"}}}}})
    @blp.response(200, RoutePlanSchema)
    def get(self, query):
        """The caller's own route of a day; ?format=geojson gives just the FeatureCollection."""
        view = my_plan(db.session, current_principal(), query.get("date"))
        if query["format"] == "geojson":
            return Response(json.dumps(view["geojson"]), mimetype=GEOJSON)
        return view


@blp.route("/route-plans/runs/<run_id>")
class PlanningRuns(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN)
    @blp.response(200, PlanningRunSchema)
    def get(self, run_id):
        """A background planning run: status, routes solved of routes to solve, totals."""
        return get_visible_run(db.session, run_id, agency_scope(current_principal()))
