"""CORS for the configured origins only: no wildcard, no credentials (bearer tokens, no cookies)."""

from __future__ import annotations

from flask import Flask, current_app, request

from server.errors_http import error_response

ALLOW_HEADERS = ("Authorization, Content-Type, Content-Encoding, If-Match, Idempotency-Key, "
                 "X-Device-Id, X-Device-Time")
EXPOSE_HEADERS = "X-Pagination, ETag, Retry-After, X-Request-Id"
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE"
MAX_AGE_S = "600"


def _allowed(origin: str | None) -> bool:
    return bool(origin) and origin in current_app.config["CORS_ORIGINS"]


def _preflight():
    """Answer a preflight for an allowed origin; refuse any other origin with 403."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = request.headers.get("Origin")
    if not _allowed(origin):
        return error_response(403, "this origin may not call the API from a browser")
    response = current_app.response_class(status=204)
    response.headers.update({
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": MAX_AGE_S,
    })
    return response


def _annotate(response):
    origin = request.headers.get("Origin")
    response.vary.add("Origin")
    if _allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response


def init_app(app: Flask) -> None:
    """Answer preflights (the auth guard lets OPTIONS through), mark every answer's origin."""
    app.before_request(_preflight)
    app.after_request(_annotate)
