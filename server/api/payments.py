"""/api/v1/lender/postings: money the lender's systems received, and its reversals."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.common_schemas import operation_zone
from server.api.payment_schemas import (
    ConflictAcceptedSchema,
    PostingConflictSchema,
    PostingCreateSchema,
    PostingFileOptionsSchema,
    PostingFileReportSchema,
    PostingFileSchema,
    PostingMatchSchema,
    PostingNoteSchema,
    PostingReasonSchema,
    PostingSchema,
)
from server.api.security import current_principal, roles
from server.auth.clients import actor_of
from server.models import Role, utcnow
from server.payments.resolution import (
    accept_conflict,
    dismiss_posting,
    match_posting,
    reject_conflict,
)
from server.payments.service import (
    import_postings,
    post_posting,
    posting_conflicts,
    unmatched_postings,
)
from server.unit_of_work import use_case

blp = Blueprint("lender_postings", __name__, url_prefix="/lender/postings",
                description="Lender postings (payments and reversals from the lender's systems)")
REVIEWERS = (Role.LENDER_OPS, Role.ADMIN)


@blp.route("")
class Postings(MethodView):
    @roles(Role.API_CLIENT)
    @blp.arguments(PostingCreateSchema)
    @blp.response(201, PostingSchema)
    @blp.alt_response(409, description="the transaction id was posted with other content")
    def post(self, body):
        """Post one payment or reversal; a replay of the same transaction gets the same answer."""
        with use_case() as session:
            posted = post_posting(session, current_principal(), body, utcnow(), operation_zone())
        posting, replayed = posted.answer()
        return posting, 201, {"Idempotent-Replayed": "true" if replayed else "false"}


@blp.route("/files")
class PostingFiles(MethodView):
    @roles(Role.API_CLIENT, *REVIEWERS)
    @blp.arguments(PostingFileOptionsSchema, location="query")
    @blp.arguments(PostingFileSchema, location="files")
    @blp.response(200, PostingFileReportSchema)
    def post(self, options, files):
        """Import a CSV of postings (UTF-8 or GBK): a report with each rejected row's errors."""
        upload = files["file"]
        with use_case() as session:
            return import_postings(session, current_principal(), upload.stream, upload.filename,
                                   options.get("lender"), utcnow(), operation_zone())


@blp.route("/unmatched")
class UnmatchedPostings(MethodView):
    @roles(*REVIEWERS)
    @blp.response(200, PostingSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Postings for accounts Doorstep does not know, for a person to match (audited)."""
        caller = current_principal()
        with use_case() as session:
            return audited_page(session, actor_of(caller), "lender_posting",
                                unmatched_postings(caller), {}, pagination_parameters)


@blp.route("/conflicts")
class PostingConflicts(MethodView):
    @roles(*REVIEWERS)
    @blp.response(200, PostingConflictSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Bodies that reused a transaction id with other content (audited)."""
        caller = current_principal()
        with use_case() as session:
            stmt = posting_conflicts(caller)
            return audited_page(session, actor_of(caller), "posting_conflict", stmt, {},
                                pagination_parameters)



@blp.route("/<string:posting_id>/match")
class MatchPosting(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(PostingMatchSchema)
    @blp.response(200, PostingSchema)
    @blp.alt_response(409, description="the posting is already matched or dismissed")
    def post(self, body, posting_id):
        """Match an unmatched posting to the lender's account: it takes effect (audited)."""
        with use_case() as session:
            return match_posting(session, current_principal(), posting_id, body, utcnow(),
                                 operation_zone())


@blp.route("/<string:posting_id>/dismiss")
class DismissPosting(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(PostingReasonSchema)
    @blp.response(200, PostingSchema)
    @blp.alt_response(409, description="the posting is already matched or dismissed")
    def post(self, body, posting_id):
        """Dismiss an unmatched posting with the reason; it is kept (audited)."""
        with use_case() as session:
            return dismiss_posting(session, current_principal(), posting_id, body["reason"],
                                   utcnow())


@blp.route("/conflicts/<string:conflict_id>/accept")
class AcceptConflict(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(PostingNoteSchema)
    @blp.response(200, ConflictAcceptedSchema)
    @blp.alt_response(409, description="already resolved, or the payment is reversed")
    def post(self, body, conflict_id):
        """Accept the kept body as a correction of the stored payment (audited)."""
        with use_case() as session:
            conflict, posting = accept_conflict(session, current_principal(), conflict_id,
                                                body.get("note"), utcnow(), operation_zone())
            return {"conflict": conflict, "posting": posting}


@blp.route("/conflicts/<string:conflict_id>/reject")
class RejectConflict(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(PostingReasonSchema)
    @blp.response(200, PostingConflictSchema)
    @blp.alt_response(409, description="already resolved")
    def post(self, body, conflict_id):
        """Reject the kept body with the reason: the stored posting stands (audited)."""
        with use_case() as session:
            return reject_conflict(session, current_principal(), conflict_id, body["reason"],
                                   utcnow())
