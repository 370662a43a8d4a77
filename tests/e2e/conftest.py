"""End-to-end fixtures: the real app served over HTTP on 127.0.0.1, and a seeded world."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from server.extensions import db
from server.models import ConsentText, User
from tests.integration.sync.conftest import World, build_world
from tests.support.effects import settle


def chromium_path() -> str | None:
    """Debian's chromium (CHROMIUM overrides)."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run, shared by the console and self-service pages
    (a second Playwright in the same thread refuses to start); missing Chromium fails in CI,
    skips elsewhere."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        instance = driver.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def live_server(app):
    """The app (SQLite and PostgreSQL, like `app`) behind a threaded werkzeug server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def seed(app, client, per_collector: int = 2) -> World:
    """build_world (team, ann and bob with phones, cases) plus a consent text; usernames kept."""
    world = build_world(app, client, per_collector=per_collector)
    with app.app_context():
        db.session.add(ConsentText(code="REC", version=1, language="zh-CN", kind="recording",
                                   body="本次谈话将被录音。", effective_from=date(2024, 1, 1)))
        db.session.commit()
        world.usernames = {name: db.session.get(User, uid).username
                           for name, uid in world.collectors.items()}
    return world


def count(app, model, **where) -> int:
    settle(app)  # what follows the last push (the contact ledger…) has been worked out
    with app.app_context():
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.session.scalar(query)


def ids_of(app, model, **where) -> list[str]:
    settle(app)
    with app.app_context():
        query = select(model.id)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return list(db.session.scalars(query))
