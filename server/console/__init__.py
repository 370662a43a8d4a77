"""The staff web console at /console: server-rendered pages over the same services as the API."""

from __future__ import annotations

from flask import Blueprint, Flask

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                static_folder="static", static_url_path="/static")


def init_app(app: Flask) -> None:
    """Register the pages, the language catalogues and the template helpers."""
    from server.console import formatting, i18n, routes  # noqa: F401  (routes builds the blueprint)

    i18n.init_app(app)
    formatting.init_app(app)
    app.register_blueprint(blp)
