"""Security headers on every response; a relaxed CSP only for the Swagger UI page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def docs_path(config) -> str:
    """Where flask-smorest serves the Swagger UI page (/api/docs by default)."""
    return config["OPENAPI_URL_PREFIX"].rstrip("/") + config["OPENAPI_SWAGGER_UI_PATH"]


def docs_csp(config) -> str:
    """The Swagger UI page loads its script and styles from the configured CDN, inline setup."""
    parts = urlsplit(config.get("OPENAPI_SWAGGER_UI_URL") or "")
    cdn = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return (f"default-src 'none'; script-src 'self' 'unsafe-inline' {cdn}; "
            f"style-src 'self' 'unsafe-inline' {cdn}; img-src 'self' data: {cdn}; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def _add_headers(response):
    config = current_app.config
    for name, value in FIXED.items():
        response.headers.setdefault(name, value)
    is_docs = request.path == docs_path(config)
    # A blueprint that set its own policy (the console's pages) keeps it.
    response.headers.setdefault("Content-Security-Policy",
                                docs_csp(config) if is_docs else API_CSP)
    if request.is_secure or config.get("DOORSTEP_ENV") == "production":
        response.headers["Strict-Transport-Security"] = (
            f"max-age={config['HSTS_MAX_AGE_S']}; includeSubDomains")
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)  # flask-limiter adds it to every answer
    if request.path.startswith("/api/") and "Authorization" in request.headers:
        # Personal data must not linger in browser, proxy or CDN caches.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Add the headers after every request, errors included."""
    app.after_request(_add_headers)
