"""Alembic environment: runs inside the Flask app (flask db …) against db.metadata."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

import server.models  # noqa: F401  (every table must be known to the metadata)
from server.models.base import UTCDateTime

config = context.config
log = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def _render_item(type_, obj, autogen_context):
    # Revisions must not import model code: UTCDateTime is a plain timezone-aware DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options(dialect_name: str) -> dict:
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    return {
        "target_metadata": target_db.metadata,
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",
        "render_item": _render_item,
    }


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a database connection (`flask db upgrade --sql`)."""
    url = target_db.engine.url
    context.configure(url=url, literal_binds=True, **_options(url.get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection, one transaction per run."""

    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    connectable = current_app.extensions["migrate"].db.engine
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            process_revision_directives=skip_empty,
            **{**current_app.extensions["migrate"].configure_args,
               **_options(connection.dialect.name)},
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
