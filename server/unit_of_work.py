"""The one transaction rule: an entrypoint runs a use case in `use_case()`, which commits once.

Views, CLI commands, jobs and background work all write through `use_case()`; services and
queries never commit. Two named exceptions live here too, so that no other module commits:
`checkpoint` (a batch job makes each finished batch durable), `keep_and_raise` (a use case
that fails keeps the record of its failure, e.g. an audited refused log-in) and `write_aside`
(a progress heartbeat on a connection of its own while a long use case runs). A test checks
that no module outside this one calls `.commit()` or `.begin()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

from sqlalchemy import Engine, Executable
from sqlalchemy.orm import Session

SessionFactory = Callable[[], Session]


@contextmanager
def use_case(session_factory: SessionFactory | None = None) -> Iterator[Session]:
    """Run one use case and commit once, when its block ends cleanly; roll back otherwise.

    Without a factory it uses Flask-SQLAlchemy's request-scoped session (the app context's);
    with one (threads, the scheduler, benchmarks) the session is its own and closed after.
    Units of work do not nest: a service that needs another use case calls its service.
    """
    if session_factory is None:
        from server.extensions import db

        session = db.session
        try:
            yield session
            session.commit()
        finally:
            session.rollback()
        return
    with session_factory() as session:
        try:
            yield session
            session.commit()
        finally:
            session.rollback()


def own_sessions() -> SessionFactory:
    """Sessions of their own on the app's engine, for work off the request (after the answer,
    in a thread); needs the app context only while it builds the factory."""
    from sqlalchemy.orm import sessionmaker

    from server.extensions import db

    return sessionmaker(bind=db.engine)


def checkpoint(session: Session) -> None:
    """Named exception: a checkpointed batch job makes each finished batch durable, so a long
    backlog never holds one transaction open (the job's entrypoint passes this in)."""
    session.commit()


def keep_and_raise(session: Session, error: BaseException) -> NoReturn:
    """Named exception: commit what records a failure (an audit event, a run marked failed),
    then raise the failure; whatever the use case should not keep must be rolled back first."""
    session.commit()
    raise error


def write_aside(engine: Engine, statement: Executable) -> None:
    """Named exception: one statement committed on a connection of its own, beside the open
    use case (a background run's progress and heartbeat, which others read meanwhile)."""
    with engine.begin() as connection:
        connection.execute(statement)
