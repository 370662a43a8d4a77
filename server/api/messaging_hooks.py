"""/api/v1/messaging/{receipts,inbound}/{twilio,aliyun}: the providers' signed callbacks.

No bearer token (providers have none); each request must carry a valid signature instead:
Twilio's X-Twilio-Signature, or X-Doorstep-Signature (HMAC-SHA256 of the body) from the relay
in front of Alibaba Cloud's push. Anything unsigned is refused with 403 before it is read.
"""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.messaging_hook_schemas import (
    ALIYUN_REPORT,
    ALIYUN_UP,
    SIGNED,
    TWILIO_INBOUND,
    TWILIO_RECEIPT,
    HookAnswerSchema,
)
from server.api.security import public
from server.errors import Forbidden, InvalidInput
from server.messaging.callbacks import (
    aliyun_receipts,
    aliyun_replies,
    twilio_receipts,
    twilio_reply,
)
from server.messaging.inbound import receive_replies
from server.messaging.receipts import apply_receipts
from server.messaging.signatures import HMAC_HEADER, hmac_valid, twilio_valid
from server.models import utcnow
from server.observability.messaging import api_messaging_metrics
from server.unit_of_work import use_case

blp = Blueprint("messaging_hooks", __name__, url_prefix="/messaging",
                description="Provider callbacks (signed): delivery receipts, replies")


def _twilio_form() -> dict:
    form = request.form.to_dict()
    if not twilio_valid(current_app.config.get("TWILIO_AUTH_TOKEN", ""), request.url, form,
                        request.headers.get("X-Twilio-Signature")):
        raise Forbidden("the request is not signed by Twilio")
    return form


def _signed_json():
    if not hmac_valid(current_app.config.get("MESSAGING_CALLBACK_SECRET", ""),
                      request.get_data(), request.headers.get(HMAC_HEADER)):
        raise Forbidden(f"the request lacks a valid {HMAC_HEADER}")
    payload = request.get_json(silent=True)
    if payload is None:
        raise InvalidInput("the body is not JSON", {"body": ["invalid JSON"]})
    return payload


def _receipts(provider: str, receipts) -> dict:
    with use_case() as session:
        counts = apply_receipts(session, provider, receipts)
    metrics = api_messaging_metrics(current_app)
    for status in ("delivered", "failed"):
        if counts.get(status):
            metrics.observe(provider, status, counts[status])
    return {"counts": counts}


def _replies(provider: str, replies) -> dict:
    with use_case() as session:
        counts = receive_replies(session, provider, replies, utcnow(),
                                 current_app.config.get("MESSAGING_STOP_WORDS", ()))
    return {"counts": counts}


@blp.route("/receipts/twilio")
class TwilioReceipts(MethodView):
    @public
    @blp.doc(requestBody=TWILIO_RECEIPT, responses=SIGNED)
    @blp.response(200, HookAnswerSchema)
    def post(self):
        """Twilio status callback: settle the message it names (X-Twilio-Signature)."""
        return _receipts("twilio", twilio_receipts(_twilio_form(), utcnow()))


@blp.route("/receipts/aliyun")
class AliyunReceipts(MethodView):
    @public
    @blp.doc(requestBody=ALIYUN_REPORT, responses=SIGNED)
    @blp.response(200, HookAnswerSchema)
    def post(self):
        """Alibaba Cloud SmsReport push: settle each message (X-Doorstep-Signature)."""
        return _receipts("aliyun", aliyun_receipts(_signed_json(), utcnow()))


@blp.route("/inbound/twilio")
class TwilioInbound(MethodView):
    @public
    @blp.doc(requestBody=TWILIO_INBOUND, responses=SIGNED)
    @blp.response(200, HookAnswerSchema)
    def post(self):
        """Twilio incoming message: a stop word opts the number out, else for review."""
        return _replies("twilio", [twilio_reply(_twilio_form())])


@blp.route("/inbound/aliyun")
class AliyunInbound(MethodView):
    @public
    @blp.doc(requestBody=ALIYUN_UP, responses=SIGNED)
    @blp.response(200, HookAnswerSchema)
    def post(self):
        """Alibaba Cloud SmsUp push: stop words opt out, other replies go to review."""
        return _replies("aliyun", aliyun_replies(_signed_json()))
