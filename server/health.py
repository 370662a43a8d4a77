"""Readiness (database answers, schema at the newest migration) and liveness (process up)."""

from __future__ import annotations

import functools

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine


@functools.lru_cache(maxsize=4)  # the scripts on disk don't change while a process runs
def _heads(migrations_dir: str) -> tuple[str, ...]:
    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def head_revisions(migrations_dir: str) -> list[str]:
    """The head revision ids of the migration scripts on disk."""
    return list(_heads(migrations_dir))


def check_health(engine: Engine, migrations_dir: str) -> dict:
    """A small report; status 'ok' only when the database answers and is at head."""
    heads = head_revisions(migrations_dir)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = sorted(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # any driver error means "not healthy", never a 500
        return {"status": "error", "database": "unreachable", "error": type(exc).__name__,
                "migrations": {"current": [], "head": heads, "at_head": False}}
    at_head = current == heads
    return {"status": "ok" if at_head else "error", "database": "ok",
            "migrations": {"current": current, "head": heads, "at_head": at_head}}


def check_live() -> dict:
    """Liveness: this process answers; deliberately no database call."""
    return {"status": "ok"}
