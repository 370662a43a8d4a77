"""/api/v1/route-plans (dispatchers plan and read a day) and /api/v1/me/route (a collector)."""

import json

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.route_plan_schemas import (
    MyRouteQuerySchema,
    PlannedDaySchema,
    PlanQuerySchema,
    PlanRequestSchema,
    RoutePlanSchema,
)
from server.api.security import current_principal, roles
from server.audit.reads import record_list
from server.extensions import db
from server.models import Role
from server.plans import plan_routes, routing_settings
from server.plans.queries import agency_scope, my_plan, plan_views, plans_page
from server.unit_of_work import flask_uow

blp = Blueprint("route_plans", __name__, description="Daily route plans")
GEOJSON = "application/geo+json"


@blp.route("/route-plans")
class RoutePlans(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN)
    @blp.arguments(PlanRequestSchema)
    @blp.response(201, PlannedDaySchema)
    def post(self, body):
        """Plan and store a day's routes for a team or some collectors (and crew mates)."""
        caller = current_principal()
        provider, budget = routing_settings(current_app.config)
        with flask_uow() as uow:
            plans = plan_routes(
                uow.session, body["date"], body.get("agents"), body.get("team"),
                agency_id=agency_scope(caller),
                matrix_provider=provider, budget=budget, created_by=caller.user_id)
            views = plan_views(uow.session, plans)
            uow.commit()
            return {"plan_date": body["date"], "plans": views}

    @roles(Role.DISPATCHER, Role.ADMIN, Role.COMPLIANCE)
    @blp.arguments(PlanQuerySchema, location="query")
    @blp.response(200, RoutePlanSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """A day's stored plans (dispatchers: their agency's collectors); the plans and the
        visits of their stops (debtors' home coordinates) are audited, one event per answer."""
        caller = current_principal()
        with flask_uow() as uow:
            views = plans_page(uow.session, caller, query, pagination_parameters)
            record_list(uow.session, caller.user_id, "route_plan", [v["id"] for v in views],
                        {**query, "page": pagination_parameters.page},
                        visit_ids=[stop["visit_id"] for v in views for stop in v["stops"]])
            uow.commit()
            return views


@blp.route("/me/route")
class MyRoute(MethodView):
    @roles(Role.AGENT)
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
