"""/api/v1/cases: find cases, read one case whole, and its timeline; every read audited."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.case_schemas import (
    CallLoggedSchema,
    CallLogSchema,
    CaseDetailSchema,
    CaseQuerySchema,
    CaseRequestResultSchema,
    CaseRequestSchema,
    CaseRowSchema,
    TimelineQuerySchema,
    TimelineSchema,
)
from server.api.security import current_principal, roles
from server.cases.calls import log_call
from server.cases.requests import record_request
from server.cases.search import search_cases
from server.cases.summaries import case_rows
from server.cases.timeline import case_timeline
from server.cases.view import read_case
from server.models import Role, utcnow
from server.routing.service import replan_for_visits
from server.routing.settings import routing_settings
from server.unit_of_work import use_case

blp = Blueprint("cases", __name__, url_prefix="/cases", description="Cases")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)


def _replanner(user_id: str):
    """Re-plan the routes of cancelled visits with the configured matrices and budget."""
    provider, budget = routing_settings(current_app.config)
    return lambda session, visit_ids: replan_for_visits(
        session, visit_ids, matrix_provider=provider, budget=budget, created_by=user_id)


@blp.route("")
class Cases(MethodView):
    @roles(*Role.ALL)
    @blp.arguments(CaseQuerySchema, location="query")
    @blp.response(200, CaseRowSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Search the cases the caller may read (collectors: their assigned cases;
        dispatchers: their agency's placed cases); the ids shown are audited."""
        caller, now = current_principal(), utcnow()
        with use_case() as session:
            stmt = search_cases(session, caller, query, now)
            page = audited_page(session, caller.user_id, "case", stmt, query, pagination_parameters)
            return case_rows(session, caller.role, page, now)


@blp.route("/<case_id>")
class CaseById(MethodView):
    @roles(*Role.ALL)
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """One case whole: parties (masked per role), accounts, addresses, contacts,
        placements, promises, state, today's rules, open work, counts (audited)."""
        with use_case() as session:
            view = read_case(session, current_principal(), case_id, utcnow())
            return view


@blp.route("/<case_id>/timeline")
class CaseTimeline(MethodView):
    @roles(*Role.ALL)
    @blp.arguments(TimelineQuerySchema, location="query")
    @blp.response(200, TimelineSchema)
    def get(self, query, case_id):
        """Everything that happened on the case, oldest first, in keyset pages (audited)."""
        with use_case() as session:
            page = case_timeline(session, current_principal(), case_id, query.get("kind", ()),
                                 query.get("after"), query["limit"])
            return page


@blp.route("/<case_id>/requests")
class CaseRequests(MethodView):
    @roles(*STAFF)
    @blp.arguments(CaseRequestSchema)
    @blp.response(201, CaseRequestResultSchema)
    def post(self, body, case_id):
        """Record a debtor's request (dispute, stop contact, attorney, vulnerability, hold,
        hardship, preferred times, or its end); effective at once, forbidden visits
        cancelled (audited)."""
        caller = current_principal()
        with use_case() as session:
            event, cancelled = record_request(session, caller, case_id, body, utcnow(),
                                              _replanner(caller.user_id))
            return {"event": event, "cancelled_visit_ids": cancelled}


@blp.route("/<case_id>/calls")
class CaseCalls(MethodView):
    @roles(*Role.ALL)
    @blp.arguments(CallLogSchema)
    @blp.response(201, CallLoggedSchema)
    def post(self, body, case_id):
        """Log a call to one of the case's numbers into the contact ledger the caps count;
        the answer lists the rules it broke (audited)."""
        with use_case() as session:
            row, findings = log_call(session, current_principal(), case_id, body, utcnow())
            return {**{k: getattr(row, k) for k in ("id", "case_id", "party_id",
                                                     "contact_point_id", "occurred_at",
                                                     "connected", "outcome")},
                    "findings": findings}
