"""The debtor's self-service page at /s: opened from a signed link, no staff sign-in, its own
session cookie; mobile-first, Simplified Chinese by default, English on request."""

from __future__ import annotations

from flask import Blueprint, Flask

blp = Blueprint("selfservice", __name__, url_prefix="/s", template_folder="templates",
                static_folder="static", static_url_path="/static")


def init_app(app: Flask) -> None:
    """Register the pages (after the console, whose flask-babel set-up they share)."""
    from server.selfservice import pages  # noqa: F401  (registers the routes)

    app.register_blueprint(blp)
