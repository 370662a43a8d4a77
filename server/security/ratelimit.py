"""Rate limits (flask-limiter): log-ins per client IP and per (username, IP), and every API call
per token (per IP without one). In-memory by default, so each worker process counts on its own;
RATELIMIT_STORAGE_URI (e.g. redis://…) makes the counts shared."""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter

LOGIN_ENDPOINT_BLUEPRINT = "auth"


def client_ip() -> str:
    """The caller's address (set PROXY_FIX_HOPS behind a reverse proxy)."""
    return request.remote_addr or "unknown"


def token_or_ip() -> str:
    """The bearer token's digest (never the token itself), else the client's address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return "ip:" + client_ip()


def login_username() -> str:
    """The username a log-in attempt names (lower-cased), from this address. Not the username
    alone: a limit anyone can use up from anywhere would lock its owner out (issue #14); the
    back-off across addresses is server/auth/throttle.py's, which spares the owner's own."""
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return "user:" + (name.strip().lower() if isinstance(name, str) else "") + "|" + client_ip()


def init_app(app: Flask) -> Limiter:
    """One limiter per app (its counters live in the app's storage)."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # a storage outage must not 500
    limiter = Limiter(token_or_ip, app=app,
                      application_limits=[lambda: current_app.config["RATELIMIT_API"]],
                      key_prefix="doorstep")
    auth = app.blueprints[LOGIN_ENDPOINT_BLUEPRINT]
    limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_IP"], key_func=client_ip,
                  methods=["POST"], scope="login-ip", override_defaults=False)(auth)
    limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_USERNAME"],
                  key_func=login_username, methods=["POST"], scope="login-username",
                  override_defaults=False)(auth)
    # Count before the auth guard runs, so a flood of bad tokens is limited too.
    funcs = app.before_request_funcs.setdefault(None, [])
    first = [f for f in funcs if getattr(f, "__self__", None) is limiter]
    app.before_request_funcs[None] = first + [f for f in funcs if f not in first]
    return limiter
