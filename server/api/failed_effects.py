"""/api/v1/fact-effects/failed: facts whose ledger, evidence or compliance effects failed."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.api.security import current_principal, roles
from server.facts.failures import failed_effects
from server.models import Role
from server.unit_of_work import use_case

blp = Blueprint("fact_effects", __name__, url_prefix="/fact-effects",
                description="After-effects of pushed facts")


class FailedEffectSchema(Schema):
    queue_id = fields.Integer()
    table = fields.String()
    fact_id = fields.String()
    visit_id = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "retrying (the sweep tries again) or "
                                                   "failed (gave up; for an operator)"})
    queued_at = fields.DateTime()


@blp.route("/failed")
class FailedEffects(MethodView):
    @roles(Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
    @blp.response(200, FailedEffectSchema(many=True))
    def get(self):
        """Facts whose effects failed (dispatchers: their team's), newest first; audited."""
        p = current_principal()
        with use_case() as session:
            rows = failed_effects(session, p.user_id, p.role, p.team_id)
        return rows
