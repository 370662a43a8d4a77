"""/api/v1/message-templates and /message-wording: templates as data, reviewed on save."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.message_template_schemas import (
    MessageTemplateQuerySchema,
    MessageTemplateSchema,
    MessageWordingSchema,
)
from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.messaging.templates import save_template
from server.messaging.wording import set_wording, templates_query, wording_of
from server.models import Role, utcnow
from server.unit_of_work import use_case

blp = Blueprint("message_templates", __name__, url_prefix="/message-templates",
                description="Message templates (versioned, reviewed)")
wording_blp = Blueprint("message_wording", __name__, url_prefix="/message-wording",
                        description="Forbidden wording per jurisdiction")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
OFFICERS = (Role.COMPLIANCE, Role.ADMIN)


@blp.route("")
class Templates(MethodView):
    @roles(*STAFF)
    @blp.arguments(MessageTemplateQuerySchema, location="query")
    @blp.response(200, MessageTemplateSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Every version of every template, newest first per code and language."""
        with use_case() as session:
            rows = paginate_select(session, templates_query(query), pagination_parameters)
            return rows

    @roles(*OFFICERS)
    @blp.arguments(MessageTemplateSchema)
    @blp.response(201, MessageTemplateSchema)
    def post(self, body):
        """Save the next version of a template; refused (422) when it fails review."""
        with use_case() as session:
            return save_template(session, current_principal().user_id, body)


@wording_blp.route("/<jurisdiction>")
class Wording(MethodView):
    @roles(*STAFF)
    @wording_blp.response(200, MessageWordingSchema)
    def get(self, jurisdiction):
        """The words templates of this jurisdiction may not contain."""
        with use_case() as session:
            return wording_of(session, jurisdiction)

    @roles(*OFFICERS)
    @wording_blp.arguments(MessageWordingSchema)
    @wording_blp.response(200, MessageWordingSchema)
    def put(self, body, jurisdiction):
        """Replace the jurisdiction's forbidden wording (audited)."""
        with use_case() as session:
            return set_wording(session, current_principal().user_id, jurisdiction,
                               body["phrases"], utcnow())
