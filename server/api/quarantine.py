"""/api/v1/quarantine: review rows devices sent that could not be applied."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.fact_effects import drain_after_response
from server.api.quarantine_schemas import (
    DismissSchema,
    QuarantinedRecordSchema,
    QuarantineQuerySchema,
    ReplaySchema,
)
from server.api.security import current_principal, roles
from server.audit.reads import keep_after_commit, record_read
from server.models import Role, utcnow
from server.sync import review
from server.unit_of_work import use_case

blp = Blueprint("quarantine", __name__, url_prefix="/quarantine",
                description="Quarantined sync rows")
REVIEWERS = (Role.DISPATCHER, Role.ADMIN)


@blp.route("")
class Quarantine(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(QuarantineQuerySchema, location="query")
    @blp.response(200, QuarantinedRecordSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List quarantined rows (dispatchers: their team's collectors; admins: all). Their payloads
        are what collectors recorded about debtors: the ids shown are audited (one event per
        answer)."""
        reviewer = current_principal()
        with use_case() as session:
            stmt = review.visible(reviewer, query.get("status"), query.get("table"),
                                  query.get("collector_id"))
            return audited_page(session, reviewer.user_id, "quarantine", stmt, query,
                                pagination_parameters)


@blp.route("/<string:record_id>")
class QuarantineById(MethodView):
    @roles(*REVIEWERS)
    @blp.response(200, QuarantinedRecordSchema)
    def get(self, record_id):
        """One quarantined row with its reason, errors and raw payload; the read is audited."""
        reviewer = current_principal()
        with use_case() as session:
            record = review.get(session, reviewer, record_id)
            record_read(session, reviewer.user_id, "quarantine", record.id)
            keep_after_commit(session, [record])
            return record


@blp.route("/<string:record_id>/replay")
class QuarantineReplay(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(ReplaySchema)
    @blp.response(200, QuarantinedRecordSchema)
    def post(self, body, record_id):
        """Apply a fixed row through the push path, for the collector who sent it."""
        drain_after_response()  # the replayed fact's compliance flags, once answered
        with use_case() as session:
            record = review.replay(session, current_principal(), record_id, body["payload"],
                                   utcnow(), body.get("note"))
            return record


@blp.route("/<string:record_id>/dismiss")
class QuarantineDismiss(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(DismissSchema)
    @blp.response(200, QuarantinedRecordSchema)
    def post(self, body, record_id):
        """Close a quarantined row without applying it (a reason is required)."""
        with use_case() as session:
            record = review.dismiss(session, current_principal(), record_id, body["reason"],
                                    utcnow())
            return record
