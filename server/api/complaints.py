"""/api/v1/complaints and /cases/{id}/complaints: intake, handling and the clocks (audited)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.complaint_schemas import (
    ComplaintCreateSchema,
    ComplaintQuerySchema,
    ComplaintSchema,
    ComplaintStatsSchema,
    ComplaintUpdateSchema,
)
from server.api.security import current_principal, roles
from server.audit.reads import record_read
from server.cases.complaints import (
    complaint_counts,
    complaints_query,
    open_complaint,
    readable_complaint,
    update_complaint,
)
from server.models import Role, utcnow
from server.unit_of_work import use_case

blp = Blueprint("complaints", __name__, url_prefix="/complaints", description="Complaints")
cases_blp = Blueprint("case_complaints", __name__, url_prefix="/cases",
                      description="Complaints of a case")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)


@cases_blp.route("/<case_id>/complaints")
class CaseComplaints(MethodView):
    @roles(*STAFF)
    @cases_blp.arguments(ComplaintCreateSchema)
    @cases_blp.response(201, ComplaintSchema)
    def post(self, body, case_id):
        """Take in a complaint about the case (its clock starts now, from the case's rules)."""
        with use_case() as session:
            complaint = open_complaint(session, current_principal(), case_id, body,
                                       utcnow())
            return complaint


@blp.route("")
class Complaints(MethodView):
    @roles(*STAFF)
    @blp.arguments(ComplaintQuerySchema, location="query")
    @blp.response(200, ComplaintSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Complaints on the cases the caller may read, soonest due first (audited)."""
        caller = current_principal()
        with use_case() as session:
            return audited_page(session, caller.user_id, "complaint",
                                complaints_query(caller, query), query, pagination_parameters)


@blp.route("/stats")
class ComplaintStats(MethodView):
    @roles(*STAFF)
    @blp.response(200, ComplaintStatsSchema)
    def get(self):
        """Open and all complaints per collector complained about and per agency."""
        with use_case() as session:
            return complaint_counts(session, current_principal())


@blp.route("/<complaint_id>")
class ComplaintById(MethodView):
    @roles(*STAFF)
    @blp.response(200, ComplaintSchema)
    def get(self, complaint_id):
        """One complaint (audited)."""
        caller = current_principal()
        with use_case() as session:
            complaint = readable_complaint(session, caller, complaint_id)
            record_read(session, caller.user_id, "complaint", complaint.id)
            return complaint

    @roles(*STAFF)
    @blp.arguments(ComplaintUpdateSchema)
    @blp.response(200, ComplaintSchema)
    def patch(self, body, complaint_id):
        """Assign a handler (never a person complained about), acknowledge, mark complex,
        extend once with approval, resolve with the final response (audited)."""
        with use_case() as session:
            complaint = update_complaint(session, current_principal(), complaint_id, body,
                                         utcnow())
            return complaint
