"""The one transaction rule: a use case commits once when its block ends, and never on error."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from server.unit_of_work import checkpoint, keep_and_raise, use_case, write_aside


@pytest.fixture
def factory(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'uow.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    yield sessionmaker(engine)
    engine.dispose()


def _values(factory):
    with factory() as session:
        return [row.v for row in session.execute(text("SELECT v FROM t ORDER BY v"))]


def test_a_use_case_that_ends_cleanly_is_committed(factory):
    with use_case(factory) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.execute(text("INSERT INTO t VALUES (2)"))
    assert _values(factory) == [1, 2]


def test_a_use_case_that_raises_leaves_nothing_behind(factory):
    with pytest.raises(ValueError), use_case(factory) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        raise ValueError("half way")
    assert _values(factory) == []


def test_a_checkpoint_keeps_the_batches_before_a_failure(factory):
    with pytest.raises(ValueError), use_case(factory) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        checkpoint(session)
        session.execute(text("INSERT INTO t VALUES (2)"))
        raise ValueError("second batch failed")
    assert _values(factory) == [1]


def test_keep_and_raise_keeps_the_record_of_a_failure_and_raises_it(factory):
    with pytest.raises(LookupError, match="refused"), use_case(factory) as session:
        session.execute(text("INSERT INTO t VALUES (7)"))
        keep_and_raise(session, LookupError("refused"))
    assert _values(factory) == [7]


def test_a_write_aside_is_kept_although_the_use_case_beside_it_rolls_back(factory):
    with pytest.raises(ValueError), use_case(factory) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.rollback()  # SQLite has one writer: the aside write needs the lock
        write_aside(session.get_bind(), text("INSERT INTO t VALUES (5)"))
        raise ValueError("the use case fails")
    assert _values(factory) == [5]


def test_a_session_of_its_own_is_closed_when_the_use_case_ends(factory):
    with use_case(factory) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    assert not session.in_transaction()
    assert list(session) == []
