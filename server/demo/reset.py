"""Start a demo database afresh: every table dropped, then migrated to head (not for real data)."""

from __future__ import annotations

import warnings

from sqlalchemy import Engine, MetaData
from sqlalchemy.exc import SAWarning


def drop_everything(engine: Engine) -> list[str]:
    """Drop every table the database has (the schema's, Alembic's, the job store's)."""
    found = MetaData()
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; dropping their tables drops them too.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        found.reflect(bind=engine)
    found.drop_all(bind=engine)
    return sorted(found.tables)
