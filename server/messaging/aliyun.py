"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through its official SDK.

CN SMS goes out only as a template registered with the provider in advance, under a registered
signature: the message names the template id and passes its variables as TemplateParam JSON.
The message id travels as OutId, so delivery receipts (SmsReport) name our message. The API has
no idempotency key, so the delivery job never resends a message whose send was interrupted
(it becomes `unknown` for a person to check) — see docs/decisions.md, D-message-idempotency.
"""

from __future__ import annotations

import json
import threading

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as api_models
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_util import models as util_models

from server.messaging.gateway import Outgoing, PermanentError, SendResult, TransientError

# Answer codes worth another try later (throttling, flow control, the provider's own faults).
TRANSIENT_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isv.OUT_OF_SERVICE",
                   "Throttling", "Throttling.User", "ServiceUnavailable"}


class AliyunSms:
    """Sends SMS through Alibaba Cloud's SendSms."""

    name, channel, idempotent = "aliyun", "sms", False

    def __init__(self, access_key_id: str, access_key_secret: str, endpoint: str,
                 sign_name: str = "", protocol: str = "HTTPS", timeout_ms: int = 5000):
        self._config = api_models.Config(access_key_id=access_key_id,
                                         access_key_secret=access_key_secret,
                                         endpoint=endpoint, protocol=protocol)
        self.sign_name, self.timeout_ms = sign_name, timeout_ms
        self._local = threading.local()  # one SDK client per sending thread

    def _client(self) -> Client:
        if not hasattr(self._local, "client"):
            self._local.client = Client(self._config)
        return self._local.client

    def send(self, message: Outgoing) -> SendResult:
        """SendSms with the message's registered template and variables."""
        if not message.template_id:
            raise PermanentError("Alibaba Cloud SMS needs a registered template id")
        request = sms_models.SendSmsRequest(
            phone_numbers=message.recipient, sign_name=message.sign_name or self.sign_name,
            template_code=message.template_id, out_id=message.message_id,
            template_param=json.dumps(dict(message.params), ensure_ascii=False))
        runtime = util_models.RuntimeOptions(connect_timeout=self.timeout_ms,
                                             read_timeout=self.timeout_ms, autoretry=False)
        try:
            body = self._client().send_sms_with_options(request, runtime).body
        except ClientException as exc:
            raise _classified(getattr(exc, "code", "") or "", str(exc)) from exc
        except Exception as exc:  # network, 5xx, SDK faults: the provider may take it later
            raise TransientError(f"Alibaba Cloud SMS unreachable: {exc}") from exc
        if body.code != "OK":
            raise _classified(body.code or "", body.message or "")
        return SendResult(body.biz_id)


def _classified(code: str, text: str) -> Exception:
    error = TransientError if code in TRANSIENT_CODES else PermanentError
    return error(f"Alibaba Cloud SMS {code}: {text}"[:300])
