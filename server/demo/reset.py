"""Start a demo database afresh: every table dropped, then migrated to head (not for real data)."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData


def drop_everything(engine: Engine) -> list[str]:
    """Drop every table the database has (the schema's, Alembic's, the job store's)."""
    found = MetaData()
    found.reflect(bind=engine)
    found.drop_all(bind=engine)
    return sorted(found.tables)
