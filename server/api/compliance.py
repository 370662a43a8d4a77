"""/api/v1/compliance: rule profiles (read, edit, create), effective profiles, violations."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.access import visible_case_id
from server.api.compliance_schemas import (
    EffectiveQuerySchema,
    EffectiveSchema,
    ProfileCreateSchema,
    ProfileDetailSchema,
    ProfileQuerySchema,
    ProfileSchema,
    ProfileUpdateSchema,
    ViolationQuerySchema,
    ViolationReviewSchema,
    ViolationSchema,
)
from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.compliance import profile_store as rule_profiles
from server.compliance.effective import explain_effective
from server.compliance.violations import review_violation, violations_query
from server.extensions import db
from server.models import Role
from server.unit_of_work import use_case

blp = Blueprint("compliance", __name__, url_prefix="/compliance", description="Compliance")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
OFFICERS = (Role.COMPLIANCE, Role.ADMIN)


@blp.route("/profiles")
class Profiles(MethodView):
    @roles(*STAFF)
    @blp.arguments(ProfileQuerySchema, location="query")
    @blp.response(200, ProfileSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List stored rule profiles: jurisdiction and lender profiles, and agency profiles of
        the caller's own agency (admins and compliance officers of no agency: all)."""
        stmt = rule_profiles.profiles_query(query.get("scope"), current_principal())
        return paginate_select(db.session, stmt, pagination_parameters)

    @roles(*OFFICERS)
    @blp.arguments(ProfileCreateSchema)
    @blp.response(201, ProfileSchema)
    def post(self, body):
        """Create a lender-, agency- or jurisdiction-scoped profile (an officer bound to an
        agency: only for that agency)."""
        caller = current_principal()
        with use_case() as session:
            row = rule_profiles.create_profile(
                session, body["code"], body["scope"], body.get("agency_id"), body["params"],
                body["reason"], caller.user_id, caller=caller)
            return row


@blp.route("/profiles/effective")
class EffectiveProfile(MethodView):
    @roles(*STAFF)
    @blp.arguments(EffectiveQuerySchema, location="query")
    @blp.response(200, EffectiveSchema)
    def get(self, query):
        """The effective (strictest-merged) profile of a case, with the profiles it came from."""
        case_id = visible_case_id(db.session, current_principal(), query["case_id"])
        return explain_effective(db.session, case_id)


@blp.route("/profiles/<code>")
class ProfileByCode(MethodView):
    @roles(*STAFF)
    @blp.response(200, ProfileDetailSchema)
    def get(self, code):
        """One profile with its version history (another agency's agency profile: 404)."""
        return rule_profiles.profile_detail(db.session, code, current_principal())

    @roles(*OFFICERS)
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, ProfileSchema)
    def put(self, body, code):
        """Replace a profile's parameters (new version, audited); officers bound to an agency
        change only their agency's profiles."""
        caller = current_principal()
        with use_case() as session:
            row = rule_profiles.update_profile(session, code, body["params"], body["reason"],
                                               caller.user_id, body.get("version"), caller)
            return row


@blp.route("/violations")
class Violations(MethodView):
    @roles(*OFFICERS)
    @blp.arguments(ViolationQuerySchema, location="query")
    @blp.response(200, ViolationSchema(many=True))
    @blp.paginate(max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List violations, newest first (filters: rule, status, collector, case, from/to)."""
        return paginate_select(db.session, violations_query(filters), pagination_parameters)


@blp.route("/violations/<violation_id>/review")
class ViolationReview(MethodView):
    @roles(*OFFICERS)
    @blp.arguments(ViolationReviewSchema)
    @blp.response(200, ViolationSchema)
    def post(self, body, violation_id):
        """Mark a violation reviewed or dismissed, with a note (audited)."""
        with use_case() as session:
            row = review_violation(session, violation_id, body["status"], body["note"],
                                   current_principal().user_id)
            return row
