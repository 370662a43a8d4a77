"""Local fakes of the messaging providers, each speaking the provider's documented protocol
over real HTTP or SMTP on 127.0.0.1 (never the internet): Twilio's Messages resource, Alibaba
Cloud's SendSms with its ACS3-HMAC-SHA256 signature, and an SMTP relay (aiosmtpd)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import uuid
from urllib.parse import quote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class _Served:
    """A WSGI app served from a thread until `close()`."""

    def start(self):
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _wsgi(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


class FakeTwilio(_Served):
    """POST /2010-04-01/Accounts/{sid}/Messages.json with basic auth; a request repeating an
    I-Twilio-Idempotency-Token gets the first answer again and sends nothing."""

    def __init__(self, account_sid="AC" + "0" * 32, auth_token="token"):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sent: list[dict] = []  # messages that "reached a phone"
        self.requests = 0
        self.failures: list[tuple[int, int]] = []  # (status, twilio code) answered next
        self.hold_after: int | None = None  # block every request after this many sends
        self.holding, self.release = threading.Event(), threading.Event()
        self._answers: dict[str, dict] = {}
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if request.method != "POST" or request.path != path:
            return _json({"code": 20404, "message": "Not Found", "status": 404}, 404)
        if request.authorization is None or (request.authorization.username,
                                             request.authorization.password) != (
                self.account_sid, self.auth_token):
            return _json({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        form, key = request.form, request.headers.get("I-Twilio-Idempotency-Token")
        with self._lock:
            self.requests += 1
            if key and key in self._answers:
                return _json(self._answers[key], 201)
            if self.failures:
                status, code = self.failures.pop(0)
                return _json({"code": code, "message": "fake failure", "status": status}, status)
            held = self.hold_after is not None and len(self.sent) >= self.hold_after
        if held:
            self.holding.set()
            self.release.wait(30)
            return _json({"code": 20500, "message": "gone", "status": 503}, 503)
        if not form.get("To") or not form.get("Body"):
            return _json({"code": 21604, "message": "A 'To' phone number is required.",
                          "status": 400}, 400)
        answer = {"sid": "SM" + uuid.uuid4().hex, "account_sid": self.account_sid,
                  "to": form["To"], "from": form.get("From"), "body": form["Body"],
                  "status": "queued", "num_segments": "1", "direction": "outbound-api",
                  "api_version": "2010-04-01", "error_code": None, "error_message": None}
        with self._lock:
            if key and key in self._answers:  # a concurrent duplicate
                return _json(self._answers[key], 201)
            self.sent.append({**answer, "key": key,
                              "status_callback": form.get("StatusCallback")})
            if key:
                self._answers[key] = answer
        return _json(answer, 201)


def acs3_signature(secret: str, method: str, path: str, query: dict, headers: dict,
                   signed: list[str]) -> str:
    """The ACS3-HMAC-SHA256 signature Alibaba Cloud documents (V3 request signature)."""
    enc = lambda v: quote(str(v), safe="-_.~")  # noqa: E731
    canonical_query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(query.items()))
    canonical_headers = "".join(f"{h}:{headers[h].strip()}\n" for h in signed)
    canonical = "\n".join([method, path, canonical_query, canonical_headers, ";".join(signed),
                           headers["x-acs-content-sha256"]])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


class FakeAliyunSms(_Served):
    """POST / with x-acs-action SendSms (2017-05-25), signed ACS3-HMAC-SHA256 with the access
    key; answers {Code, Message, BizId, RequestId} as dysmsapi does."""

    def __init__(self, access_key_id="LTAIfake", access_key_secret="fake-secret"):
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.sent: list[dict] = []
        self.codes: list[str] = []  # Code answered next (instead of OK)
        self.release = threading.Event()

    def handle(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if headers.get("x-acs-action") != "SendSms" or headers.get(
                "x-acs-version") != "2017-05-25":
            return _json({"Code": "InvalidAction.NotFound", "Message": "no such action"}, 404)
        if not self._signed(request, headers):
            return _json({"Code": "IncompleteSignature", "Message": "signature mismatch",
                          "RequestId": uuid.uuid4().hex}, 400)
        query = request.args
        if self.codes:
            return _json({"Code": self.codes.pop(0), "Message": "fake",
                          "RequestId": uuid.uuid4().hex})
        biz_id = f"{uuid.uuid4().int % 10**15}^0"
        self.sent.append({"phone": query.get("PhoneNumbers"), "sign": query.get("SignName"),
                          "template": query.get("TemplateCode"), "out_id": query.get("OutId"),
                          "params": json.loads(query.get("TemplateParam") or "{}"),
                          "biz_id": biz_id})
        return _json({"Code": "OK", "Message": "OK", "BizId": biz_id,
                      "RequestId": uuid.uuid4().hex})

    def _signed(self, request: Request, headers: dict) -> bool:
        auth = headers.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return False
        fields = dict(part.split("=", 1) for part in auth.split(" ", 1)[1].split(","))
        if fields.get("Credential") != self.access_key_id:
            return False
        signed = fields.get("SignedHeaders", "").split(";")
        expected = acs3_signature(self.access_key_secret, request.method, request.path,
                                  dict(request.args), headers, signed)
        return hmac.compare_digest(expected, fields.get("Signature", ""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeSmtp:
    """An SMTP relay on 127.0.0.1 (aiosmtpd); recipients in `refuse` get 550."""

    def __init__(self):
        self.messages: list = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def close(self) -> None:
        self._controller.stop()

