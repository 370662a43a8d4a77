"""GET /api/v1/health: is the database reachable and are migrations at head."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.health_schemas import HealthSchema
from server.api.security import public
from server.extensions import db, migrate
from server.health import check_health

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")


@blp.route("")
class Health(MethodView):
    @public
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="Database down or not migrated")
    def get(self):
        """Report whether the service can serve: database reachable, schema at head."""
        report = check_health(db.engine, migrate.directory)
        return report, (200 if report["status"] == "ok" else 503)
