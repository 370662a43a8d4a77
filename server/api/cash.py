"""/api/v1/cash: collectors hand in field cash; dispatchers see what is unmatched and owed."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.cash_schemas import (
    CashPeriodSchema,
    CashReportRowSchema,
    DepositCreateSchema,
    DepositQuerySchema,
    DepositSchema,
)
from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.models import Role, utcnow
from server.payments.cash import cash_report, record_deposit, visible_deposits
from server.unit_of_work import use_case

blp = Blueprint("cash", __name__, url_prefix="/cash", description="Field cash hand-in")
HANDLERS = (Role.COLLECTOR, Role.DISPATCHER, Role.ADMIN)


@blp.route("/deposits")
class Deposits(MethodView):
    @roles(*HANDLERS)
    @blp.arguments(DepositCreateSchema)
    @blp.response(201, DepositSchema)
    def post(self, body):
        """Record a hand-in: the receipts banked, the slip photo and the amount (audited)."""
        with use_case() as session:
            return record_deposit(session, current_principal(), body, utcnow())

    @roles(*HANDLERS)
    @blp.arguments(DepositQuerySchema, location="query")
    @blp.response(200, DepositSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Deposits, newest first; `flagged=true`: unmatched to a lender posting too long."""
        with use_case() as session:
            return paginate_select(session, visible_deposits(current_principal(),
                                                             query.get("flagged")),
                                   pagination_parameters)


@blp.route("/report")
class CashReport(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN)
    @blp.arguments(CashPeriodSchema, location="query")
    @blp.response(200, CashReportRowSchema(many=True))
    def get(self, query):
        """Per collector: cash collected and deposited in the period, and still outstanding."""
        with use_case() as session:
            return cash_report(session, current_principal(), query["from_"], query["to"])
