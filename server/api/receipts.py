"""/api/v1/receipts: void a field receipt with a reason, or re-issue it (never deleted)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.receipt_schemas import ReceiptSchema, ReissueSchema, VoidSchema
from server.api.security import current_principal, roles
from server.models import Role, utcnow
from server.payments.receipts import reissue_receipt, void_receipt
from server.unit_of_work import use_case

blp = Blueprint("receipts", __name__, url_prefix="/receipts", description="Field receipts")
PLANNERS = (Role.DISPATCHER, Role.ADMIN)


@blp.route("/<string:payment_id>/void")
class ReceiptVoid(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(VoidSchema)
    @blp.response(200, ReceiptSchema)
    def post(self, body, payment_id):
        """Void a receipt with the reason; it stays on record and on the devices (audited)."""
        with use_case() as session:
            return void_receipt(session, current_principal(), payment_id, body["reason"],
                                utcnow())


@blp.route("/<string:payment_id>/reissue")
class ReceiptReissue(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(ReissueSchema)
    @blp.response(201, ReceiptSchema)
    def post(self, body, payment_id):
        """Re-issue a receipt under a new number, linked to the voided one (audited)."""
        with use_case() as session:
            return reissue_receipt(session, current_principal(), payment_id, body, utcnow())
