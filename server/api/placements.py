"""/api/v1/placements: lender operations place cases with agencies, recall and re-place them."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.placement_schemas import (
    PlacementByRulesResultSchema,
    PlacementByRulesSchema,
    PlacementCreateSchema,
    PlacementResultSchema,
    RecallByRulesResultSchema,
    RecallByRulesSchema,
    RecallSchema,
    ReplaceSchema,
    StandingRecallRulesQuerySchema,
    StandingRecallRulesResultSchema,
    StandingRecallRulesSchema,
)
from server.api.security import current_principal, roles
from server.cases.lenders import lender_of
from server.cases.placement import place_cases, recall_cases, replace_cases
from server.cases.placement_rules import place_by_rules
from server.models import Role, utcnow
from server.payments.recall_rules import recall_by_rules
from server.payments.standing_recalls import set_standing_rules, standing_rules
from server.unit_of_work import use_case

blp = Blueprint("placements", __name__, url_prefix="/placements",
                description="Placement and recall of cases with agencies (委外)")
LENDER_SIDE = (Role.LENDER_OPS, Role.ADMIN)


@blp.route("")
class Placements(MethodView):
    @roles(*LENDER_SIDE)
    @blp.arguments(PlacementCreateSchema)
    @blp.response(200, PlacementResultSchema)
    def post(self, body):
        """Place the lender's cases (by list) with an agency (audited)."""
        p = current_principal()
        with use_case() as session:
            return place_cases(session, p.user_id, lender_of(session, p, body.get("lender")),
                               body["cases"], body["agency"], body.get("ends_on"), utcnow())


@blp.route("/recall")
class Recall(MethodView):
    @roles(*LENDER_SIDE)
    @blp.arguments(RecallSchema)
    @blp.response(200, PlacementResultSchema)
    def post(self, body):
        """Recall cases from their agencies: their work closes, phones forget them (audited)."""
        p = current_principal()
        with use_case() as session:
            return recall_cases(session, p.user_id, lender_of(session, p, body.get("lender")),
                                body["cases"], body["reason"], body.get("note"),
                                body["return_case"], utcnow())


@blp.route("/recall/by-rules")
class RecallByRules(MethodView):
    @roles(*LENDER_SIDE)
    @blp.arguments(RecallByRulesSchema)
    @blp.response(200, RecallByRulesResultSchema)
    def post(self, body):
        """Recall placed cases by rules (poor performance, complaints), each with its reason;
        a dry run (the default) previews a page; a real run recalls and is audited."""
        p = current_principal()
        with use_case() as session:
            return recall_by_rules(session, p.user_id,
                                   lender_of(session, p, body.get("lender")), body, utcnow())


@blp.route("/recall/standing-rules")
class StandingRecalls(MethodView):
    @roles(*LENDER_SIDE)
    @blp.arguments(StandingRecallRulesQuerySchema, location="query")
    @blp.response(200, StandingRecallRulesResultSchema)
    def get(self, query):
        """The lender's standing recall rules and their last nightly run."""
        p = current_principal()
        with use_case() as session:
            return standing_rules(session, lender_of(session, p, query.get("lender")))

    @roles(*LENDER_SIDE)
    @blp.arguments(StandingRecallRulesSchema)
    @blp.response(200, StandingRecallRulesResultSchema)
    def put(self, body):
        """Store the lender's standing recall rules; the nightly job applies them (audited)."""
        p = current_principal()
        with use_case() as session:
            return set_standing_rules(session, p.user_id,
                                      lender_of(session, p, body.get("lender")), body, utcnow())


@blp.route("/replace")
class Replace(MethodView):
    @roles(*LENDER_SIDE)
    @blp.arguments(ReplaceSchema)
    @blp.response(200, PlacementResultSchema)
    def post(self, body):
        """Move cases to another agency: recalled from theirs, placed with it (audited)."""
        p = current_principal()
        with use_case() as session:
            return replace_cases(session, p.user_id, lender_of(session, p, body.get("lender")),
                                 body["cases"], body["agency"], body["reason"],
                                 body.get("note"), body.get("ends_on"), utcnow())


@blp.route("/by-rules")
class PlacementByRules(MethodView):
    @roles(*LENDER_SIDE)
    @blp.arguments(PlacementByRulesSchema)
    @blp.response(200, PlacementByRulesResultSchema)
    def post(self, body):
        """Place the lender's unplaced cases by rules (bucket, dpd, city, balance → agency
        shares and capacity); a dry run (the default) previews; a real run is audited."""
        p = current_principal()
        with use_case() as session:
            return place_by_rules(session, p.user_id, lender_of(session, p, body.get("lender")),
                                  body["rules"], body["dry_run"], body.get("ends_on"),
                                  utcnow())
