"""Every /api/v1 route is authenticated unless marked public; roles are declared per view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy

from flask import Flask, abort, current_app, g, request
from flask_smorest.utils import deepupdate

from server.auth.clients import authenticate_client
from server.auth.service import Principal, authenticate
from server.errors import Forbidden, Unauthenticated
from server.extensions import db

PUBLIC_ATTR = "_doorstep_public"
ROLES_ATTR = "_doorstep_roles"


def _document(view: Callable, **doc) -> None:
    """Add to the OpenAPI doc of a view (its `_apidoc` may be shared with what it wraps)."""
    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    apidoc["manual_doc"] = deepupdate(apidoc.get("manual_doc", {}), doc)
    view._apidoc = apidoc


def public(view: Callable) -> Callable:
    """Mark a view as reachable without a token (health, login)."""
    setattr(view, PUBLIC_ATTR, True)
    _document(view, security=[])
    return view


def roles(*allowed: str) -> Callable:
    """Allow a view to the given roles only; every non-public view must declare this."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_principal().role not in allowed:
                raise Forbidden(f"this action needs one of the roles: {', '.join(allowed)}")
            return view(*args, **kwargs)

        setattr(wrapper, ROLES_ATTR, allowed)
        _document(wrapper, responses={401: "UNAUTHORIZED", 403: "FORBIDDEN"})
        return wrapper

    return decorate


def current_principal() -> Principal:
    """The caller of this request (set by the guard)."""
    principal = g.get("principal")
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


def view_method(endpoint: str | None, method: str) -> Callable | None:
    """The function that will handle this endpoint and HTTP method, if any."""
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return getattr(view_class, method.lower(), None)
    return view


def _guard() -> None:
    if not request.path.startswith("/api/v1/") or request.method == "OPTIONS":
        return
    handler = view_method(request.endpoint, request.method)
    if handler is None or getattr(handler, PUBLIC_ATTR, False):
        return
    if getattr(handler, ROLES_ATTR, None) is None:
        # Fail closed: a view that forgot to declare its roles is reachable by nobody.
        abort(403)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("missing bearer token")
    token = token.strip()
    # A lender's machine client (server/auth/clients.py) or else a person.
    g.principal = authenticate_client(db.session, token) or authenticate(db.session, token)


def init_app(app: Flask) -> None:
    """Install the guard before every request."""
    app.before_request(_guard)
