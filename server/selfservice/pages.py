"""The self-service pages: open a link, prove who you are, then see what you owe and act.

Views are thin: each runs one use case from server/messaging (links, codes, selfservice) in
`use_case()`; what the debtor sends is shown back only through autoescaped templates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import (
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from server.errors import DomainError, NotFound, RateLimited
from server.messaging import codes, links
from server.messaging import selfservice as actions
from server.messaging.factory import gateway_from_config
from server.messaging.gateway import Gateway, Outgoing
from server.models import SelfServiceLink, utcnow
from server.routing.service import replan_for_visits
from server.routing.settings import routing_settings
from server.selfservice import blp
from server.selfservice import session as self_session
from server.sync.attachments import MAX_ATTACHMENT_BYTES
from server.sync.storage import store_from_config
from server.unit_of_work import use_case

log = logging.getLogger("doorstep.selfservice")
GATEWAY_KEY = "doorstep.selfservice.gateway"
OPEN = {"selfservice.open_link", "selfservice.static", "selfservice.language",
        "selfservice.gone"}
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def gateway() -> Gateway:
    """The gateway codes go through (the configured SMS provider; tests put their own)."""
    if GATEWAY_KEY not in current_app.extensions:
        current_app.extensions[GATEWAY_KEY] = gateway_from_config(current_app.config)
    return current_app.extensions[GATEWAY_KEY]


def _send(gw: Gateway, outgoing: Outgoing) -> None:
    try:
        gw.provider_for("sms").send(outgoing)
    except Exception:  # the debtor sees the same answer; the failure is logged
        log.exception("self-service code %s was not sent", outgoing.message_id)


def _replanner() -> Callable:
    provider, budget = routing_settings(current_app.config)
    return lambda session, visit_ids: replan_for_visits(
        session, visit_ids, matrix_provider=provider, budget=budget, created_by=None)


@blp.before_request
def _guard():
    g.self_service_lang = self_session.language()
    from flask_babel import refresh

    refresh()
    self_session.check_csrf()
    if request.endpoint in OPEN:
        return None
    if not self_session.current().get("link"):
        return redirect(url_for("selfservice.gone"))
    return None


@blp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "selfservice.static":
        response.headers["Cache-Control"] = "no-store"
    return self_session.save(response)


def _page(template: str, status: int = 200, **context):
    return render_template(f"selfservice/{template}", csrf_token=self_session.csrf_token(),
                           **context), status


@blp.errorhandler(DomainError)
def _domain(exc: DomainError):
    status = {NotFound: 404, RateLimited: 429}.get(type(exc), 422)
    if isinstance(exc, DomainError) and type(exc).__name__ == "TooLarge":
        status = 413
    return _page("message.html", status, title=_("Something is not right"), failed=True,
                 message=_(exc.message), errors=exc.errors or {}, back=request.path)


@blp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return _page("message.html", exc.code or 500, title=_("Something is not right"),
                 failed=True, message=_(exc.description or exc.name), errors={}, back=None)


def _link(session, now: datetime) -> SelfServiceLink:
    link = session.get(SelfServiceLink, self_session.current().get("link", ""))
    if link is None or not links.is_live(link, now):
        raise NotFound("this link is not valid (it may have expired or been withdrawn)")
    return link


def _proven(session, now: datetime) -> SelfServiceLink:
    link = _link(session, now)
    if not self_session.verified(now) or link.verified_at is None:
        raise _NotProven()
    return link


class _NotProven(Exception):
    pass


@blp.errorhandler(_NotProven)
def _to_verify(_exc):
    return redirect(url_for("selfservice.home"))


@blp.route("/<token>")
def open_link(token: str):
    """Open a link from a message: start a session for it and leave the token out of the
    address bar (and of any Referer)."""
    if len(token) > 300:
        raise NotFound("this link is not valid (it may have expired or been withdrawn)")
    now = utcnow()
    with use_case() as session:
        link = links.open_link(session, current_app.config["SECRET_KEY"], token, now)
        actions.record_open(session, link, now)
        self_session.start(link.id)
    return redirect(url_for("selfservice.home"))


@blp.route("/gone")
def gone():
    return _page("message.html", 404, title=_("This link is not valid"), failed=True,
                 message=_("this link is not valid (it may have expired or been withdrawn)"),
                 errors={}, back=None)


@blp.route("/")
def home():
    """Prove who you are, or (proven) what you owe and what you can do."""
    now = utcnow()
    with use_case() as session:
        link = _link(session, now)
        if not self_session.verified(now):
            return _page("verify.html", notice=request.args.get("sent"))
        return _page("home.html", s=actions.summary(session, link, now))


@blp.route("/code", methods=["POST"])
def send_code():
    """Send a code to the number on file: the same answer whether there is one or not."""
    now = utcnow()
    with use_case() as session:
        todo = codes.request_code(session, _link(session, now),
                                  current_app.config["SECRET_KEY"], now)
    if todo.outgoing is not None:
        # Off the request: the answer takes as long whether or not a code goes out.
        threading.Thread(target=_send, args=(gateway(), todo.outgoing), daemon=True).start()
    return redirect(url_for("selfservice.home", sent=1))


@blp.route("/verify", methods=["POST"])
def verify():
    now = utcnow()
    form = request.form
    with use_case() as session:
        ok = codes.verify(session, _link(session, now), form.get("code", "")[:12],
                          form.get("id_digits", "")[:8], current_app.config["SECRET_KEY"], now)
    if not ok:
        return _page("verify.html", 422, error=_(codes.WRONG))
    self_session.update(verified_at=now.isoformat(),
                        csrf=self_session.current().get("csrf"))
    return redirect(url_for("selfservice.home"))


@blp.route("/language", methods=["POST"])
def language():
    lang = request.form.get("lang")
    if lang in self_session.LANGUAGES:
        self_session.update(lang=lang)
    return redirect(url_for("selfservice.home"))


@blp.route("/sign-out", methods=["POST"])
def sign_out():
    response = redirect(url_for("selfservice.gone"))
    g.self_session_dirty = False
    return self_session.end(response)


def _done(message: str):
    return _page("message.html", title=_("Thank you"), message=message, errors={},
                 back=url_for("selfservice.home"))


@blp.route("/promise", methods=["GET", "POST"])
def promise():
    now = utcnow()
    with use_case() as session:
        link = _proven(session, now)
        if request.method == "GET":
            return _page("promise.html", s=actions.summary(session, link, now))
        made = actions.make_promise(session, link, request.form.to_dict(), now, _replanner())
        due = made.due_on
    return _done(_("Your promise to pay by %(day)s is recorded. No visit is planned before "
                   "then.", day=due.isoformat()))


@blp.route("/pay")
def pay():
    now = utcnow()
    with use_case() as session:
        link = _proven(session, now)
        s = actions.summary(session, link, now)
    instructions = current_app.config.get("SELF_SERVICE_PAYMENT_INSTRUCTIONS", {})
    text = instructions.get(s["lender_code"]) or instructions.get("*") or ""
    return _page("pay.html", s=s, instructions=text)


@blp.route("/time/<kind>", methods=["GET", "POST"])
def choose_time(kind: str):
    if kind not in ("call", "visit"):
        raise NotFound(f"no such page {kind!r}")
    now = utcnow()
    with use_case() as session:
        link = _proven(session, now)
        if request.method == "GET":
            return _page("slots.html", kind=kind, slots=actions.slots(session, link, now),
                         tz=actions.debtor_zone(session, link))
        form = request.form.to_dict()
        if kind == "call":
            actions.ask_call_back(session, link, form, now)
        else:
            actions.ask_visit_time(session, link, form, now, _replanner())
    return _done(_("Your time is recorded."))


@blp.route("/proof", methods=["GET", "POST"])
def proof():
    now = utcnow()
    limit = current_app.config.get("ATTACHMENT_MAX_BYTES", MAX_ATTACHMENT_BYTES)
    with use_case() as session:
        link = _proven(session, now)
        if request.method == "GET":
            return _page("proof.html", limit_mb=limit // (1024 * 1024))
        upload = request.files.get("file")
        data = upload.read(limit + 1) if upload else b""
        actions.upload_proof(session, store_from_config(current_app.config), link, data,
                             upload.mimetype if upload else None, now, limit)
    return _done(_("Thank you: a person will check your proof of payment."))


@blp.route("/request/<what>", methods=["GET", "POST"])
def make_request(what: str):
    if what not in actions.REQUESTS:
        raise NotFound(f"no such request {what!r}")
    now = utcnow()
    with use_case() as session:
        link = _proven(session, now)
        if request.method == "GET":
            return _page("request.html", what=what, categories=actions.complaint_categories(),
                         channels=actions.STOPPABLE)
        actions.make_request(session, link, what, request.form.to_dict(), now, _replanner())
    return _done(_("Your request is recorded."))
