"""HTTP hardening around the API: security headers, CORS, rate limits, request limits."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from server.security import body, cors, headers, pages, ratelimit


def init_app(app: Flask) -> None:
    """Install every guard; call after the blueprints are registered (limits name them)."""
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:  # behind that many reverse proxies: trust their X-Forwarded-For/-Proto
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    body.init_app(app)
    pages.init_app(app)
    cors.init_app(app)
    headers.init_app(app)
    ratelimit.init_app(app)
