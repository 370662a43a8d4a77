"""/api/v1/promises: payment promises (scoped list) and keep rates per collector and team."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.pagination import paginate_select
from server.api.promise_schemas import (
    PromiseQuerySchema,
    PromiseSchema,
    StatsQuerySchema,
    StatsSchema,
)
from server.api.security import current_principal, roles
from server.extensions import db
from server.models import Role
from server.promises.queries import promise_stats, promises_query

blp = Blueprint("promises", __name__, url_prefix="/promises", description="Payment promises")


@blp.route("")
class Promises(MethodView):
    @roles(*Role.CASEWORK)
    @blp.arguments(PromiseQuerySchema, location="query")
    @blp.response(200, PromiseSchema(many=True))
    @blp.paginate(max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List promises (collectors: their own; dispatchers: their team's), soonest due first."""
        stmt = promises_query(filters, current_principal())
        return paginate_select(db.session, stmt, pagination_parameters)


@blp.route("/stats")
class PromiseStats(MethodView):
    @roles(Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, filters):
        """Keep rate per collector and per team for promises due in [from, to]."""
        return promise_stats(db.session, filters, current_principal())
