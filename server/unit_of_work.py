"""One commit per use case: services run inside a unit of work that rolls back unless committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


class UnitOfWork:
    """Wraps a session: `commit()` once at the end of a use case, rollback on any exit otherwise."""

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory
        self.session: Session | None = None
        self._active = False

    def __enter__(self) -> UnitOfWork:
        if self._active:
            raise RuntimeError("units of work do not nest")
        self.session = self._session_factory()
        self._active = True
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.rollback()
        finally:
            self._active = False

    def commit(self) -> None:
        """End the use case: make its writes durable."""
        self.session.commit()

    def rollback(self) -> None:
        """Throw away whatever was not committed."""
        self.session.rollback()


def flask_uow() -> UnitOfWork:
    """A unit of work over Flask-SQLAlchemy's request-scoped session."""
    from server.extensions import db

    return UnitOfWork(lambda: db.session)


@contextmanager
def use_case(session_factory: Callable[[], Session] | None = None) -> Iterator[Session]:
    """The one transaction rule: run one use case and commit once, when its block ends cleanly.

    Every entrypoint (views, CLI, jobs, background work) writes through this: the block gets the
    session, an exception anywhere in it rolls everything back, and nothing inside commits.
    Without a factory it uses Flask-SQLAlchemy's request-scoped session.
    """
    with (UnitOfWork(session_factory) if session_factory else flask_uow()) as uow:
        yield uow.session
        uow.commit()
