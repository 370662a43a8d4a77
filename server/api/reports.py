"""/api/v1/reports: lender-side reports (agency performance per period)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.report_schemas import AgencyPerformanceSchema, PeriodSchema
from server.api.security import current_principal, roles
from server.models import Role
from server.payments.performance import agency_performance
from server.unit_of_work import use_case

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Lender reports")


@blp.route("/agency-performance")
class AgencyPerformance(MethodView):
    @roles(Role.LENDER_OPS, Role.ADMIN, Role.COMPLIANCE)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, AgencyPerformanceSchema(many=True))
    def get(self, query):
        """Per agency: cases placed, right-party contacts, promises made and kept, money
        recovered and complaints in the period (lender ops: their lender's cases)."""
        with use_case() as session:
            return agency_performance(session, current_principal(), query["from_"],
                                      query["to"])
