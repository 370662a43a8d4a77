"""Small SQL pieces the set-based sweeps share, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Integer, Select, Table, cast, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

CHUNK = 5000  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def dialect(session: Session) -> str:
    """The name of the database dialect the session talks to."""
    return session.get_bind().dialect.name


def insert_ignore(
    session: Session,
    table: Table,
    source: Select | Sequence[dict[str, Any]],
    columns: Sequence[str] = (),
    conflict: Sequence[str] = ("dedupe_key",),
) -> int:
    """INSERT rows (or INSERT … SELECT) ON CONFLICT DO NOTHING; return how many were inserted."""
    insert = postgresql.insert if dialect(session) == "postgresql" else sqlite.insert
    if isinstance(source, Select):
        stmt = insert(table).from_select(list(columns), source)
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
        # RETURNING lists only the rows inserted, on both databases (SQLite's rowcount for
        # INSERT … SELECT … ON CONFLICT is not reliable through the driver).
        return len(session.connection().execute(stmt.returning(table.c[conflict[0]])).all())
    if not source:
        return 0
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    inserted = 0
    for batch in chunks(source, 1000):
        result = session.connection().execute(stmt.returning(table.c[conflict[0]]), batch)
        inserted += len(result.all())
    return inserted


def new_id_sql(session: Session) -> ColumnElement:
    """An expression producing a fresh 32-hex id per row, like `server.models.new_id`."""
    if dialect(session) == "postgresql":
        return func.replace(literal_column("gen_random_uuid()::text"), "-", "")
    return func.lower(func.hex(func.randomblob(16)))


def day_diff(session: Session, later: Any, earlier: Any) -> ColumnElement:
    """Whole days from date `earlier` to date `later` (an integer expression)."""
    if dialect(session) == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Split `items` into lists of at most `size`."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
