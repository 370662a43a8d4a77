"""The one transaction rule: a use case commits once when its block ends, and never on error."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from server.unit_of_work import use_case


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
