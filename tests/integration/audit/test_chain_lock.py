"""The audit chain's lock is taken at the real commit, after the transaction's row locks.

The chain's lock (PostgreSQL advisory, held to commit) orders writers of the chain. Taken at
a savepoint's release it was held through the rest of the transaction: an effects drain
released a savepoint that audited an address change, then waited for another address row
held by a writer that wanted the chain's lock at its commit: a deadlock PostgreSQL broke by
failing one of them (200 collectors in bench.load: 82 pulls answered 500). Events queued in
a savepoint now wait for the real commit, and one rolled back drops its own events only.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.audit.service import verify
from server.extensions import db
from server.models import Agency, AuditEvent
from tests.support import factories as f


def _agencies(app, n):
    with app.app_context():
        ids = [f.agency(db.session).id for _ in range(n)]
        db.session.commit()
        return ids, db.engine


def test_a_released_savepoint_does_not_hold_the_chain_while_the_transaction_goes_on(
        app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; these interleavings cannot happen there")
    (x, y), engine = _agencies(app, 2)
    other = Session(engine)
    held = other.get(Agency, y)
    held.name = "other"
    other.flush()  # holds row y
    audit.record(other, None, "test.other", "agency", y)
    errors: list[BaseException] = []

    def drain_like():
        with Session(engine) as work:
            try:
                with work.begin_nested():  # one effect step, audited, released
                    work.get(Agency, x).name = "step one"
                    audit.record(work, None, "test.step", "agency", x)
                work.get(Agency, y).name = "step two"
                work.flush()  # waits for row y
                work.commit()
            except BaseException as exc:
                errors.append(exc)

    thread = threading.Thread(target=drain_like)
    thread.start()
    time.sleep(1.0)  # the drain now waits for row y
    other.commit()  # wants the chain's lock
    other.close()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the drain never finished"
    assert errors == []
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("test.%")).order_by(AuditEvent.id)).all()
        assert actions == ["test.other", "test.step"]
        assert verify(db.session)[1] is None


def test_events_of_a_rolled_back_savepoint_are_dropped_and_the_others_kept(app):
    (x,), engine = _agencies(app, 1)
    with Session(engine) as work:
        audit.record(work, None, "test.before", "agency", x)
        with work.begin_nested():
            audit.record(work, None, "test.kept", "agency", x)
        with pytest.raises(RuntimeError), work.begin_nested():
            audit.record(work, None, "test.undone", "agency", x)
            raise RuntimeError("this step failed")
        audit.record(work, None, "test.after", "agency", x)
        work.commit()
    with Session(engine) as work:
        audit.record(work, None, "test.rolled.back", "agency", x)
        work.rollback()
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("test.%")).order_by(AuditEvent.id)).all()
        assert actions == ["test.before", "test.kept", "test.after"]
        assert verify(db.session)[1] is None
