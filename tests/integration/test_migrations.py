"""`upgrade head` on an empty database matches the models; `downgrade base` empties it."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from server import create_app
from server.extensions import db
from server.models import Base
from tests.conftest import throwaway_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A brand-new empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with throwaway_pg_database(request.getfixturevalue("pg_database_url"), "doorstep_m") as url:
        yield url


def _app(url, tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(tmp_path),
                       "SECRET_KEY": "x", "TESTING": True})


# SQLite's reflection cannot read expression indexes (parties' national-id last 4); PostgreSQL's
# compares them.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_head_leaves_no_difference_with_the_models(empty_database_url, tmp_path):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        db.engine.dispose()
    assert diff == []


def test_downgrade_base_removes_every_table(empty_database_url, tmp_path):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert remaining == set()
