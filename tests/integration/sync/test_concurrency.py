"""PostgreSQL only: a late commit still reaches the device; racing identical pushes, one row."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import CheckIn, Visit
from tests.integration.sync import facts
from tests.integration.sync.conftest import pull


def _pg_only(backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; commit order is seq order there")


def test_change_committed_late_by_a_slow_writer_still_reaches_the_device(
        app, client, world, backend):
    _pg_only(backend)
    ann = world.tokens["ann"]
    slow_visit, fast_visit = world.visits["ann"]
    cursor = pull(client, ann)["timestamp"]
    a_wrote, a_may_commit = threading.Event(), threading.Event()
    errors: list = []

    def slow_writer():  # starts first (lower txid), commits last
        try:
            with app.app_context(), Session(db.engine) as session:
                session.get(Visit, slow_visit).talking_points = "written first, committed last"
                session.flush()
                a_wrote.set()
                assert a_may_commit.wait(10)
                session.commit()
        except Exception as exc:  # surfaced in the main thread
            errors.append(exc)
            a_wrote.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert a_wrote.wait(10)

    def fast_writer():
        with app.app_context(), Session(db.engine) as session:
            session.get(Visit, fast_visit).talking_points = "written second, committed first"
            session.commit()

    fast = threading.Thread(target=fast_writer)
    fast.start()
    fast.join()
    between = pull(client, ann, cursor)
    assert {r["id"] for r in between["changes"]["visits"]["updated"]} == {fast_visit}
    a_may_commit.set()
    thread.join()
    assert not errors
    after = pull(client, ann, between["timestamp"])
    late = {r["id"]: r for r in after["changes"]["visits"]["updated"]}
    assert set(late) == {slow_visit}
    assert late[slow_visit]["talking_points"] == "written first, committed last"


def test_two_racing_identical_pushes_create_one_row(app, world, backend):
    _pg_only(backend)
    row = facts.check_in(world.visits["ann"][0])
    barrier = threading.Barrier(4)
    answers: list = []

    def send():
        local = app.test_client()
        barrier.wait()
        response = local.post("/api/v1/sync/push", headers=world.tokens["ann"],
                              json={"changes": {"check_ins": {"created": [row]}}})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [200] * 4, answers
    assert all(a[1]["experimentalRejectedIds"] == {} for a in answers)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
