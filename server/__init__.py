"""Doorstep: the backend for consumer-finance field collection teams."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the domain packages under server/ must import without Flask
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config -> extensions -> blueprints -> error handlers -> CLI. Nothing else."""
    from flask import Flask

    from server import api as api_package
    from server import (
        cli,
        console,
        errors_http,
        logging_setup,
        observability,
        security,
        selfservice,
    )
    from server.api import legacy_names
    from server.api import parser as request_parser
    from server.api.openapi import OpenAPIExtras
    from server.config import load_config
    from server.db import connection as database
    from server.extensions import api, db, migrate

    app = Flask(__name__, instance_relative_config=True)
    instance = (test_config or {}).get("INSTANCE_DIR")
    app.config.from_mapping(load_config(instance_path=instance))
    if test_config:
        app.config.update(test_config)

    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    request_parser.install()
    legacy_names.install()
    api.init_app(app, spec_kwargs={"extra_plugins": [OpenAPIExtras()]})
    logging_setup.init_app(app)
    observability.init_app(app)
    api_package.register(app, api)
    console.init_app(app)
    selfservice.init_app(app)
    security.init_app(app)
    errors_http.init_app(app)
    cli.init_app(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
