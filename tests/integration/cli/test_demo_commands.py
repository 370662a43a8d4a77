"""`flask demo reset` starts the demo afresh; `flask demo today` is the demo's date at any hour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from bench.pgdb import throwaway_database
from server.extensions import db
from server.models import RuleProfile, User
from tests.conftest import build_app
from tests.support import factories as f

SMALL = ["--debtors", "60", "--seed", "3"]


@pytest.fixture
def fresh_app(backend, app, tmp_path):
    """An app on a database of its own (reset drops every table: not the shared one)."""
    if backend == "sqlite":
        yield build_app(f"sqlite:///{tmp_path / 'reset.sqlite3'}", str(tmp_path / "instance"))
        return
    with throwaway_database(app.config["SQLALCHEMY_DATABASE_URI"], "doorstep_r") as url:
        application = build_app(url, str(tmp_path / "instance"))
        yield application
        with application.app_context():
            db.engine.dispose()


def _count(application, *stmt_parts) -> int:
    with application.app_context():
        return db.session.scalar(select(func.count()).select_from(*stmt_parts))


def test_reset_erases_everything_and_seeds_a_new_demo_twice_over(fresh_app):
    with fresh_app.app_context():
        f.user(db.session, "admin", username="left-over")
        db.session.commit()
    runner = fresh_app.test_cli_runner()

    first = runner.invoke(args=["demo", "reset", "--yes", *SMALL])
    users = _count(fresh_app, User)
    again = runner.invoke(args=["demo", "reset", "--yes", *SMALL])

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert "tables dropped, migrated to head, rules seeded" in again.output
    with fresh_app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "left-over")) is None
        assert db.session.scalar(select(User.id).where(User.username == "compliance"))
        assert db.session.scalar(select(RuleProfile.id).where(RuleProfile.code == "CN"))
    assert _count(fresh_app, User) == users  # the same demo again, not a second one on top


def test_reset_asks_first_and_refuses_production(fresh_app, monkeypatch):
    runner = fresh_app.test_cli_runner()
    declined = runner.invoke(args=["demo", "reset", *SMALL], input="n\n")
    monkeypatch.setitem(fresh_app.config, "DOORSTEP_ENV", "production")
    refused = runner.invoke(args=["demo", "reset", "--yes", *SMALL])

    assert declined.exit_code == 1 and "erase everything in" in declined.output
    assert refused.exit_code == 1 and "production" in refused.output
    assert _count(fresh_app, User) == 0


@pytest.mark.parametrize(("utc", "shanghai"), [("2026-12-01T03:00:00", "2026-12-01"),
                                                ("2026-12-01T17:00:00", "2026-12-02"),
                                                ("2026-12-01T23:30:00", "2026-12-02")])
def test_demo_today_is_shanghais_date_whatever_the_utc_hour(runner, utc, shanghai):
    with time_machine.travel(datetime.fromisoformat(utc).replace(tzinfo=UTC), tick=False):
        result = runner.invoke(args=["demo", "today"])
    assert result.output.strip() == shanghai
