"""GET /api/v1/health (readiness) and GET /api/v1/health/live (liveness); both public."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.health_schemas import HealthSchema, LiveSchema
from server.api.security import public
from server.extensions import db, migrate
from server.health import check_health, check_live

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")


@blp.route("")
class Health(MethodView):
    @public
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="Database down or not migrated")
    def get(self):
        """Readiness: database reachable and schema at head (503 otherwise)."""
        report = check_health(db.engine, migrate.directory)
        return report, (200 if report["status"] == "ok" else 503)


@blp.route("/live")
class Live(MethodView):
    @public
    @blp.response(200, LiveSchema)
    def get(self):
        """Liveness: the process answers (no database call; restart only when this fails)."""
        return check_live()
