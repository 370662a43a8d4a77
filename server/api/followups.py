"""/api/v1/follow-ups: scoped list, complete, cancel, and turning a revisit into a visit."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.followup_schemas import (
    CancelSchema,
    CompleteSchema,
    FollowUpQuerySchema,
    FollowUpSchema,
    PlannedVisitSchema,
    PlanVisitSchema,
)
from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.extensions import db
from server.followups import service
from server.models import Role
from server.unit_of_work import use_case

blp = Blueprint("follow_ups", __name__, url_prefix="/follow-ups", description="Follow-ups")
MANAGERS = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)


@blp.route("")
class FollowUps(MethodView):
    @roles(*Role.CASEWORK)
    @blp.arguments(FollowUpQuerySchema, location="query")
    @blp.response(200, FollowUpSchema(many=True))
    @blp.paginate(max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List follow-ups, soonest due first (collectors: assigned to them; dispatchers:
        team's)."""
        stmt = service.follow_ups_query(filters, current_principal())
        return paginate_select(db.session, stmt, pagination_parameters)


@blp.route("/<follow_up_id>/complete")
class CompleteFollowUp(MethodView):
    @roles(*Role.CASEWORK)
    @blp.arguments(CompleteSchema)
    @blp.response(200, FollowUpSchema)
    def post(self, body, follow_up_id):
        """Mark a follow-up done with its resolution."""
        with use_case() as session:
            row = service.complete_follow_up(session, follow_up_id, body["resolution"],
                                             current_principal())
            return row


@blp.route("/<follow_up_id>/cancel")
class CancelFollowUp(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(CancelSchema)
    @blp.response(200, FollowUpSchema)
    def post(self, body, follow_up_id):
        """Cancel a follow-up, saying why."""
        with use_case() as session:
            row = service.cancel_follow_up(session, follow_up_id, body["reason"],
                                           current_principal())
            return row


@blp.route("/<follow_up_id>/visit")
class FollowUpVisit(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN)
    @blp.arguments(PlanVisitSchema)
    @blp.response(201, PlannedVisitSchema)
    def post(self, body, follow_up_id):
        """Plan a visit (status planned) to the debtor's home for a revisit follow-up."""
        with use_case() as session:
            visit = service.plan_revisit(session, follow_up_id, body["on"],
                                         current_principal())
            return visit
