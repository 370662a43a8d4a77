"""/api/v1/visits: plan, list, reschedule, cancel and (re)assign visits under the rules."""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.security import current_principal, roles
from server.api.visit_schemas import (
    AutoAssignResultSchema,
    AutoAssignSchema,
    VisitCreatedSchema,
    VisitCreateSchema,
    VisitQuerySchema,
    VisitSchema,
    VisitUpdateSchema,
    WorkloadQuerySchema,
    WorkloadSchema,
)
from server.audit.reads import keep_after_commit, record_list
from server.dispatch.autoassign import AutoAssignRequest, auto_assign
from server.dispatch.queries import read_visit, visits_page
from server.dispatch.visits import create_visits, update_visit
from server.dispatch.workload import workload
from server.errors import InvalidInput
from server.extensions import db
from server.models import Role, utcnow
from server.routing.service import replan_for_visits
from server.routing.settings import routing_settings
from server.unit_of_work import use_case

blp = Blueprint("visits", __name__, url_prefix="/visits", description="Visits and assignment")
PLANNERS = (Role.DISPATCHER, Role.ADMIN)


def expected_version(body: dict) -> int:
    """The version the caller saw: the body's `version`, else the If-Match header."""
    if body.get("version") is not None:
        return body["version"]
    tag = (request.headers.get("If-Match") or "").removeprefix("W/").strip().strip('"')
    if tag.isdigit():
        return int(tag)
    raise InvalidInput("send the version you read (body `version` or an If-Match header)",
                       {"version": ["required"]})


def _replanner():
    """Re-plan affected routes with the configured matrices and solver budget."""
    provider, budget = routing_settings(current_app.config)
    return lambda session, visit_ids: replan_for_visits(
        session, visit_ids, matrix_provider=provider, budget=budget,
        created_by=current_principal().user_id)


@blp.route("")
class Visits(MethodView):
    @roles(*Role.CASEWORK)
    @blp.arguments(VisitQuerySchema, location="query")
    @blp.response(200, VisitSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List visits (collectors: their own; dispatchers: their agency's placed cases); the ids
        shown are audited (one event per answer)."""
        caller = current_principal()
        with use_case() as session:
            views = visits_page(session, caller, query, pagination_parameters)
            record_list(session, caller.user_id, "visit", [v.id for v in views],
                        {**query, "page": pagination_parameters.page})
            keep_after_commit(session, [row for v in views for row in (v.visit,
                                                                          *v.assignees)])
            return views

    @roles(*PLANNERS)
    @blp.arguments(VisitCreateSchema)
    @blp.response(201, VisitCreatedSchema)
    def post(self, body):
        """Create one visit or a list of them, optionally assigned (checked by the rules)."""
        with use_case() as session:
            views = create_visits(session, current_principal(), body["visits"], utcnow(),
                                  _replanner())
            return views[0] if body["single"] else {"visits": views}


@blp.route("/workload")
class Workload(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN, Role.COMPLIANCE)
    @blp.arguments(WorkloadQuerySchema, location="query")
    @blp.response(200, WorkloadSchema(many=True))
    def get(self, query):
        """Per collector on a day: visits, outstanding amount, capacity, overbooked."""
        return workload(db.session, current_principal(), query["date"], query.get("team"))


@blp.route("/auto-assign")
class AutoAssign(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(AutoAssignSchema)
    @blp.response(200, AutoAssignResultSchema)
    def post(self, body):
        """Assign a team's planned visits of a day; says why any visit was left out."""
        with use_case() as session:
            result = auto_assign(session, current_principal(), AutoAssignRequest(
                body["team"], body["date"], body["balance"], body["dry_run"]), utcnow(),
                current_app.config["DISPATCH_BALANCE_KM"])
            return result


@blp.route("/<visit_id>")
class VisitById(MethodView):
    @roles(*Role.CASEWORK)
    @blp.response(200, VisitSchema)
    def get(self, visit_id):
        """One visit (collectors: only one they are assigned to); the read is audited."""
        with use_case() as session:
            view = read_visit(session, current_principal(), visit_id)
            return view

    @roles(*PLANNERS)
    @blp.arguments(VisitUpdateSchema)
    @blp.response(200, VisitSchema)
    def patch(self, body, visit_id):
        """Reschedule, cancel or reassign a visit; stale versions get 409."""
        with use_case() as session:
            view = update_visit(session, current_principal(), visit_id, body,
                                expected_version(body), utcnow(), _replanner())
            return view
