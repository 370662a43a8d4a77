"""HTTP entrypoints: one flask-smorest Blueprint per resource, thin views over services."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from server.api import security


def register(app: Flask, api: Api) -> None:
    """Attach every blueprint and the authentication guard."""
    from server.api.audit import blp as audit_blp
    from server.api.auth import blp as auth_blp
    from server.api.health import blp as health_blp
    from server.api.users import blp as users_blp

    for blp in (health_blp, auth_blp, users_blp, audit_blp):
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
    security.init_app(app)
