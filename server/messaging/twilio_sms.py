"""Twilio Programmable Messaging through the official `twilio` library.

Each create carries `I-Twilio-Idempotency-Token: <message id>`, so a resend after a crash is
dropped by Twilio instead of reaching the debtor twice. The base URL is configurable (a local
fake in tests, Twilio's regional edge in production).
"""

from __future__ import annotations

import threading

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from server.messaging.gateway import Outgoing, PermanentError, SendResult, TransientError

TWILIO_API = "https://api.twilio.com"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


class _HttpClient(TwilioHttpClient):
    """Twilio's HTTP client, pointed at `base_url`, adding the current idempotency token."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self.base_url, self.token = base_url.rstrip("/"), threading.local()

    def request(self, method, url, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        headers = dict(headers or {})
        key = getattr(self.token, "value", None)
        if key:
            headers[IDEMPOTENCY_HEADER] = key
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, params, data, headers, auth, timeout,
                               allow_redirects)


class TwilioSms:
    """Sends SMS with Twilio's Messages resource."""

    name, channel, idempotent = "twilio", "sms", True

    def __init__(self, account_sid: str, auth_token: str, sender: str,
                 base_url: str = TWILIO_API, status_callback: str = "", timeout: float = 10):
        self.sender, self.status_callback = sender, status_callback
        self._base_url, self._timeout = base_url, timeout
        self._credentials = (account_sid, auth_token)
        self._local = threading.local()  # one client (and HTTP session) per sending thread

    def _client(self) -> tuple[Client, _HttpClient]:
        if not hasattr(self._local, "client"):
            http = _HttpClient(self._base_url, self._timeout)
            self._local.client = (Client(*self._credentials, http_client=http), http)
        return self._local.client

    def send(self, message: Outgoing) -> SendResult:
        """Create the message at Twilio, idempotently by message id."""
        client, http = self._client()
        http.token.value = message.message_id
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        try:
            created = client.messages.create(to=message.recipient, from_=self.sender,
                                             body=message.body, **extra)
        except TwilioRestException as exc:
            error = TransientError if exc.status in (429,) or exc.status >= 500 \
                else PermanentError
            raise error(f"Twilio {exc.status} {exc.code}: {exc.msg}"[:300]) from exc
        except (TwilioException, OSError) as exc:
            raise TransientError(f"Twilio unreachable: {exc}"[:300]) from exc
        finally:
            http.token.value = None
        return SendResult(created.sid)
