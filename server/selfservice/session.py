"""The self-service session: a signed cookie of its own (path /s, HttpOnly, SameSite=Strict),
never the console's. It holds the link, whether the debtor proved who they are and when, the
CSRF token of its forms and the language. Every request re-reads the link, so revoking it ends
the session at once."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import abort, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "doorstep_self"
SALT = "doorstep.self-service-session.v1"
VERIFIED_MINUTES = 30
LANGUAGES = ("zh_CN", "en")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def load() -> dict:
    """This request's session (empty when absent, forged or older than a day)."""
    raw = request.cookies.get(COOKIE)
    try:
        data = _signer().loads(raw, max_age=86400) if raw else {}
    except BadSignature:
        data = {}
    return data if isinstance(data, dict) else {}


def current() -> dict:
    if "self_session" not in g:
        g.self_session = load()
    return g.self_session


def start(link_id: str) -> None:
    """A fresh session for a link that was just opened (the language kept)."""
    lang = current().get("lang")
    g.self_session = {"link": link_id, "csrf": secrets.token_urlsafe(32)}
    if lang:
        g.self_session["lang"] = lang
    g.self_session_dirty = True


def update(**values) -> None:
    current().update(values)
    g.self_session_dirty = True


def csrf_token() -> str:
    if "csrf" not in current():
        update(csrf=secrets.token_urlsafe(32))
    return current()["csrf"]


def check_csrf() -> None:
    """Every form post carries the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token", "")
    expected = current().get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "the form is stale; open the link again")


def verified(now: datetime) -> bool:
    """The debtor proved who they are less than VERIFIED_MINUTES ago."""
    at = current().get("verified_at")
    return bool(at) and now - datetime.fromisoformat(at) < timedelta(minutes=VERIFIED_MINUTES)


def language() -> str:
    lang = current().get("lang")
    return lang if lang in LANGUAGES else "zh_CN"


def save(response):
    """Write the cookie when the session changed."""
    if g.get("self_session_dirty"):
        response.set_cookie(COOKIE, _signer().dumps(current()), max_age=86400, path="/s",
                            httponly=True, samesite="Strict",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def end(response):
    response.delete_cookie(COOKIE, path="/s")
    return response
