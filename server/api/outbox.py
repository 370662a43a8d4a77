"""/api/v1/outbox: the operators' view of outbound messages (scoped, paged, audited)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.outbox_schemas import OutboxCancelSchema, OutboxMessageSchema, OutboxQuerySchema
from server.api.security import current_principal, roles
from server.audit.reads import record_read
from server.messaging.outbox import (
    cancel_message,
    outbox_query,
    readable_message,
    retry_message,
)
from server.models import Role, utcnow
from server.unit_of_work import use_case

blp = Blueprint("outbox", __name__, url_prefix="/outbox", description="Outbound messages")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)


@blp.route("")
class Outbox(MethodView):
    @roles(*STAFF)
    @blp.arguments(OutboxQuerySchema, location="query")
    @blp.response(200, OutboxMessageSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Messages on the cases the caller may read, soonest due first (audited)."""
        caller = current_principal()
        with use_case() as session:
            return audited_page(session, caller.user_id, "outbox_message",
                                outbox_query(caller, query), query, pagination_parameters)


@blp.route("/<message_id>")
class OutboxById(MethodView):
    @roles(*STAFF)
    @blp.response(200, OutboxMessageSchema)
    def get(self, message_id):
        """One message (audited)."""
        caller = current_principal()
        with use_case() as session:
            message = readable_message(session, caller, message_id)
            record_read(session, caller.user_id, "outbox_message", message.id)
            return message


@blp.route("/<message_id>/cancel")
class OutboxCancel(MethodView):
    @roles(*STAFF)
    @blp.arguments(OutboxCancelSchema)
    @blp.response(200, OutboxMessageSchema)
    def post(self, body, message_id):
        """Withdraw a message that has not gone out, with the reason (audited)."""
        with use_case() as session:
            message = cancel_message(session, current_principal(), message_id,
                                     body["reason"], utcnow())
            return message


@blp.route("/<message_id>/retry")
class OutboxRetry(MethodView):
    @roles(*STAFF)
    @blp.response(200, OutboxMessageSchema)
    def post(self, message_id):
        """Queue a failed, blocked, cancelled or interrupted message again (audited)."""
        with use_case() as session:
            message = retry_message(session, current_principal(), message_id, utcnow())
            return message
