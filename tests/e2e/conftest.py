"""End-to-end fixtures: the real app served over HTTP on 127.0.0.1, and a seeded world."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from server.extensions import db
from server.models import ConsentText, User
from tests.integration.sync.conftest import World, build_world
from tests.support.effects import settle


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
