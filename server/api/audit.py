"""GET /api/v1/audit-events: the audit trail, for compliance officers and admins."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audit_schemas import AuditEventSchema, AuditQuerySchema
from server.api.pagination import paginate_select
from server.api.security import roles
from server.audit.queries import audit_events
from server.extensions import db
from server.models import Role

blp = Blueprint("audit", __name__, url_prefix="/audit-events", description="Audit trail")


@blp.route("")
class AuditEvents(MethodView):
    @roles(Role.COMPLIANCE, Role.ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate(max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List audit events, newest first, filtered by actor, action, object or time."""
        return paginate_select(db.session, audit_events(filters), pagination_parameters)
