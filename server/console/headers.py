"""The console's Content-Security-Policy: scripts and styles from this origin only (no inline
script, no eval), map tiles from the configured tile server, nothing framed, no caching."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, request


def tile_origin(template: str) -> str:
    """scheme://host of a tile URL template ('' when tiles are off)."""
    parts = urlsplit(template or "")
    if not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")  # Leaflet's subdomains a., b., c.
    return f"{parts.scheme}://{host}"


def console_csp(config) -> str:
    """The policy for every console page and fragment."""
    tiles = tile_origin(config.get("CONSOLE_TILE_URL", ""))
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data: {tiles}".rstrip() + "; connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _add(response):
    response.headers["Content-Security-Policy"] = console_csp(current_app.config)
    if request.endpoint != "console.static":
        # Pages show personal data: never from a browser, proxy or shared cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Vary"] = "Cookie, HX-Request"
    return response


def install(blp: Blueprint) -> None:
    """Set the console's headers on every response of its blueprint."""
    blp.after_request(_add)
