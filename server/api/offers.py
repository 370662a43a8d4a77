"""/api/v1/cases/{id}/offers and /offers: offers at the door, their approval, approval limits."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.common_schemas import operation_zone
from server.api.offer_schemas import (
    ApprovalLimitSchema,
    ApprovalLimitSetSchema,
    OfferApproveSchema,
    OfferCreateSchema,
    OfferQuerySchema,
    OfferRefuseSchema,
    OfferSchema,
)
from server.api.security import current_principal, roles
from server.models import Role, utcnow
from server.payments.offers import (
    approve_offer,
    limits_query,
    offers_query,
    propose_offer,
    refuse_offer,
    set_limit,
)
from server.unit_of_work import use_case

blp = Blueprint("offers", __name__, url_prefix="/offers",
                description="Settlement and instalment offers, and who may approve them")
cases_blp = Blueprint("case_offers", __name__, url_prefix="/cases",
                      description="Offers made on a case")
APPROVERS = (Role.DISPATCHER, Role.ADMIN)


@cases_blp.route("/<case_id>/offers")
class CaseOffers(MethodView):
    @roles(Role.COLLECTOR, Role.DISPATCHER)
    @cases_blp.arguments(OfferCreateSchema)
    @cases_blp.response(201, OfferSchema)
    def post(self, body, case_id):
        """Record an offer as made at the door: schedule, total, discount (audited)."""
        now = utcnow()
        with use_case() as session:
            return propose_offer(session, current_principal(), case_id, body, now,
                                 now.astimezone(operation_zone()).date())


@blp.route("")
class Offers(MethodView):
    @roles(*APPROVERS)
    @blp.arguments(OfferQuerySchema, location="query")
    @blp.response(200, OfferSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Offers on the cases the caller may work, oldest first (audited)."""
        caller = current_principal()
        with use_case() as session:
            return audited_page(session, caller.user_id, "payment_offer",
                                offers_query(caller, query.get("status")), query,
                                pagination_parameters)


@blp.route("/<offer_id>/approve")
class ApproveOffer(MethodView):
    @roles(*APPROVERS)
    @blp.arguments(OfferApproveSchema)
    @blp.response(200, OfferSchema)
    @blp.alt_response(403, description="beyond the caller's approval limit, or their own offer")
    @blp.alt_response(409, description="already decided")
    def post(self, body, offer_id):
        """Approve within your limit: the plan's lines become promises (audited)."""
        with use_case() as session:
            return approve_offer(session, current_principal(), offer_id, body.get("note"),
                                 utcnow())


@blp.route("/<offer_id>/refuse")
class RefuseOffer(MethodView):
    @roles(*APPROVERS)
    @blp.arguments(OfferRefuseSchema)
    @blp.response(200, OfferSchema)
    @blp.alt_response(409, description="already decided")
    def post(self, body, offer_id):
        """Refuse with the reason (audited)."""
        with use_case() as session:
            return refuse_offer(session, current_principal(), offer_id, body["reason"],
                                utcnow())


@blp.route("/approval-limits")
class ApprovalLimits(MethodView):
    @roles(*APPROVERS)
    @blp.response(200, ApprovalLimitSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Who may approve how much discount and how many instalments (audited)."""
        caller = current_principal()
        with use_case() as session:
            return audited_page(session, caller.user_id, "approval_limit", limits_query(), {},
                                pagination_parameters)

    @roles(Role.ADMIN)
    @blp.arguments(ApprovalLimitSetSchema)
    @blp.response(200, ApprovalLimitSchema)
    def put(self, body):
        """Set a role's or a user's limit, for one lender or all (audited)."""
        with use_case() as session:
            return set_limit(session, current_principal(), body, utcnow())
