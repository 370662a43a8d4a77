"""Fixtures: every database test runs on SQLite and on PostgreSQL (a throwaway database)."""

from __future__ import annotations

import os

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.pgdb import throwaway_database as throwaway_pg_database
from server.config import normalise_database_url

BACKENDS = ("sqlite", "postgresql")
_CLOCK = pytest.StashKey()
_pg_state: dict = {}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_server_url() -> str | None:
    raw = os.environ.get("TEST_DATABASE_URL", "")
    return normalise_database_url(raw) if raw else None


# Tests whose answers depend on the operation's local day (plans, pulls, visits, follow-ups):
# `make test` runs them a second time under --clock=17:30, when Shanghai is on the next date.
LOCAL_DAY_TESTS = (
    "tests/integration/api/test_filters.py", "tests/integration/dispatch/",
    "tests/integration/followups/", "tests/integration/promises/", "tests/integration/routing/",
    "tests/integration/sync/test_pull", "tests/integration/imports/test_import_sync.py",
    "tests/security/test_authorization_matrix.py", "tests/security/test_read_audit.py",
    "tests/security/test_profile_scope.py", "tests/e2e/test_client_stub.py",
    "tests/integration/cases/", "tests/integration/api/test_user_admin.py",
    "tests/integration/payments/",
    "tests/integration/console/", "tests/e2e/console/", "tests/integration/selfservice/",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(LOCAL_DAY_TESTS):
            item.add_marker(pytest.mark.local_day)


def pytest_addoption(parser):
    parser.addoption(
        "--clock", default=os.environ.get("DOORSTEP_TEST_CLOCK", ""),
        help="run the suite under a shifted, ticking clock: HH:MM (today, UTC) or an ISO "
             "instant; `make test` runs the local-day tests again at 17:30 UTC")


def _start_clock(config) -> None:
    """Travel to --clock for the whole run (time-machine patches every Python clock)."""
    spec = config.getoption("--clock")
    if not spec:
        return
    import time_machine

    from tests.support.clock import clock_instant

    traveller = time_machine.travel(clock_instant(spec), tick=True)
    traveller.start()
    config.stash[_CLOCK] = traveller


def pytest_report_header(config):
    if _CLOCK in config.stash:
        from datetime import UTC, datetime

        return f"doorstep: shifted clock, now {datetime.now(UTC).isoformat(timespec='seconds')}"
    return None


def pytest_unconfigure(config):
    if _CLOCK in config.stash:
        config.stash[_CLOCK].stop()


def pytest_configure(config):
    """Find out once whether PostgreSQL is there; in CI its absence is a failure, not a skip."""
    _start_clock(config)
    url = _pg_server_url()
    _pg_state.update(url=url, ok=False, reason="TEST_DATABASE_URL is not set")
    if url:
        try:
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state.update(ok=True, reason="")
        except Exception as exc:  # any connection error means the same thing here
            where = make_url(url).render_as_string()
            _pg_state["reason"] = f"PostgreSQL at {where} is unreachable: {exc}"
    if _in_ci() and not _pg_state["ok"]:
        raise pytest.UsageError(f"CI requires PostgreSQL: {_pg_state['reason']}")


def pytest_terminal_summary(terminalreporter):
    if _CLOCK in terminalreporter.config.stash:
        from datetime import UTC, datetime

        terminalreporter.write_line(f"ran under a shifted clock (--clock), it is now "
                                    f"{datetime.now(UTC).isoformat(timespec='seconds')}")
    if not _pg_state.get("ok"):
        terminalreporter.write_sep("!", "POSTGRESQL HALF OF THE SUITE WAS SKIPPED", red=True)
        terminalreporter.write_line(_pg_state.get("reason", ""), red=True)
        terminalreporter.write_line("Set TEST_DATABASE_URL=postgresql://… to run it.", red=True)


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    if not _pg_state["ok"]:
        pytest.skip(_pg_state["reason"])
    with throwaway_pg_database(_pg_state["url"]) as url:
        yield url


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """Lazily created database URLs per backend."""
    cache: dict = {}

    def get(backend: str, request) -> str:
        if backend not in cache:
            if backend == "sqlite":
                cache[backend] = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
            else:
                cache[backend] = request.getfixturevalue("pg_database_url")
        return cache[backend]

    return get


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """argon2 with small parameters: same code path, a fraction of the time."""
    import server.auth.passwords as passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


class ClosingClient(FlaskClient):
    """A test client that closes every response, as a WSGI server does after sending it.

    Werkzeug's client leaves an unbuffered response open, so `call_on_close` hooks (the fact
    effects a push leaves for after its answer) would never run in tests. The effects then run
    in the process's drain thread; the client waits for it to be idle before it returns, so a
    test reads what follows a push deterministically (and never shares SQLite with it).
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        from server.api.fact_effects import wait_for_effects

        response = super().open(*args, buffered=buffered, **kwargs)
        assert wait_for_effects(self.application), "the fact effects drain did not finish"
        return response


def build_app(database_url: str, instance_dir: str, **overrides):
    """An app on the given database, migrated to head."""
    from flask_migrate import upgrade

    from server import create_app

    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "INSTANCE_DIR": instance_dir, "SECRET_KEY": "test-secret",
              "AUDIT_HMAC_KEY": "test-audit-key", "AUDIT_ANCHOR_FILE": "",
              "RATELIMIT_ENABLED": False, **overrides}
    app = create_app(config)
    app.test_client_class = ClosingClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, database_urls, tmp_path_factory):
    """The app, once per backend, with the schema at head."""
    url = database_urls(request.param, request)
    application = build_app(url, str(tmp_path_factory.mktemp(f"instance-{request.param}")))
    application.config["BACKEND"] = request.param
    yield application
    from server.extensions import db

    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def backend(app) -> str:
    return app.config["BACKEND"]


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after a test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from server.extensions import db
    from server.models import Base

    with application.app_context():
        db.session.remove()
        # DELETE in dependency order: on tables this small it is far cheaper than TRUNCATE,
        # which rewrites every table's files under an exclusive lock.
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app_ctx):
    from server.extensions import db

    yield db.session
    db.session.rollback()
