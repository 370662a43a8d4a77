"""/api/v1/review-flags: implausible payments and promises a person must look at."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.security import current_principal, roles
from server.errors import NotFound
from server.models import Role, utcnow
from server.promises import flags
from server.unit_of_work import use_case

blp = Blueprint("review_flags", __name__, url_prefix="/review-flags",
                description="Implausible field payments and promises")
REVIEWERS = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)


class FlagQuerySchema(Schema):
    table = fields.String(validate=validate.OneOf(tuple(flags.MODELS)))


class FlaggedFactSchema(Schema):
    table_name = fields.String()
    id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    user_id = fields.String(allow_none=True)
    amount = fields.Decimal(as_string=True)
    currency = fields.String()
    review_flag = fields.String(allow_none=True)
    recorded_at = fields.DateTime()


class ClearSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


@blp.route("")
class ReviewFlags(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(FlagQuerySchema, location="query")
    @blp.response(200, FlaggedFactSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List flagged payments and promises (dispatchers: their team's); audited."""
        with use_case() as session:
            rows, total = flags.list_flagged(session, current_principal(), query.get("table"),
                                             pagination_parameters.page,
                                             pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return rows


@blp.route("/<string:table>/<string:row_id>/clear")
class ReviewFlagClear(MethodView):
    @roles(*REVIEWERS)
    @blp.arguments(ClearSchema)
    @blp.response(200, FlaggedFactSchema)
    def post(self, body, table, row_id):
        """Clear a flag after review (audited): the fact then counts like any other."""
        if table not in flags.MODELS:
            raise NotFound("no such flagged fact")
        with use_case() as session:
            row = flags.clear_flag(session, current_principal(), table, row_id, body["note"],
                                   utcnow())
            return row
