"""Who is signed in to the console: a bearer token kept in the signed, HttpOnly session cookie.

Signing in issues the same token as the API's log-in (same throttling, same audit), so revoking a
user or a token ends their console session too. Every state-changing request carries the
session's CSRF token, in the form (`csrf_token`) or, for htmx, the X-CSRF-Token header.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable

from flask import Blueprint, abort, g, redirect, request, session, url_for

from server.auth.service import Principal, authenticate
from server.errors import Forbidden, Unauthenticated
from server.extensions import db

OPEN_ENDPOINTS = {"console.sign_in", "console.static", "console.language"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ROLES_ATTR = "_console_roles"


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def start(token: str) -> None:
    """A fresh session for a new sign-in (no fixation): the token and a new CSRF token."""
    lang = session.get("lang")
    session.clear()
    session.update(token=token, csrf=secrets.token_urlsafe(32))
    if lang:
        session["lang"] = lang


def end() -> None:
    """Forget the sign-in (the language choice stays)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def caller() -> Principal:
    """The signed-in staff member of this request."""
    principal = g.get("console_principal")
    if principal is None:
        raise Unauthenticated("sign in first")
    return principal


def page(*allowed: str) -> Callable:
    """Allow a page to the given roles only; every console page declares this."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if caller().role not in allowed:
                raise Forbidden("this page needs one of the roles: " + ", ".join(allowed))
            return view(*args, **kwargs)

        setattr(wrapper, ROLES_ATTR, allowed)
        return wrapper

    return decorate


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "the form is stale or was not sent from this console; reload and retry")


def _load_caller():
    _check_csrf()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    token = session.get("token")
    try:
        if not token:
            raise Unauthenticated("sign in first")
        g.console_principal = authenticate(db.session, token)
    except Unauthenticated:
        end()
        if request.headers.get("HX-Request"):
            return "", 401, {"HX-Redirect": url_for("console.sign_in")}
        return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
    return None


def install_guards(blp: Blueprint) -> None:
    """CSRF on every unsafe request, and a signed-in caller on every page but sign-in."""
    blp.before_request(_load_caller)
