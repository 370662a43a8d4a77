"""Set-based statements for both databases; PostgreSQL gets one array parameter per column.

A multi-row VALUES statement for 500 rows has thousands of parameters that the driver must
parse each time; `INSERT … SELECT FROM unnest(%s::type[], …)` sends one array per column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, ColumnElement, Select, String, Table, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

_PG = postgresql.dialect()


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def in_values(session: Session, column, values: Iterable) -> ColumnElement[bool]:
    """`column IN values`, as `= ANY(array)` on PostgreSQL (one parameter, any length)."""
    values = list(values)
    if is_postgres(session):
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(String)))
    return column.in_(values)


def materialize(session: Session, ids_query: Select) -> Select:
    """Run a subquery of ids once; PostgreSQL then reads them from one array parameter.

    Scope queries nest the agent's visits in every statement; planning and running that join
    twenty times per pull costs more than sending the ids back as `unnest(:array)`.
    """
    if not is_postgres(session):
        return ids_query
    ids = list(session.scalars(ids_query))
    return select(func.unnest(bindparam(None, ids, type_=postgresql.ARRAY(String))))


def _pg_type(column) -> str:
    if isinstance(column.type, JSON):
        return "jsonb"
    return column.type.compile(dialect=_PG).lower()


def _pg_value(column, value):
    return Jsonb(value) if isinstance(column.type, JSON) and value is not None else value


def insert_rows(session: Session, table: Table, rows: Sequence[dict], ignore_conflicts=False,
                returning_ids=False) -> set:
    """Insert dict rows (same keys each); optionally skip clashes and return inserted ids."""
    if not rows:
        return set()
    if not is_postgres(session):
        stmt = sqlite_insert(table)
        stmt = stmt.on_conflict_do_nothing() if ignore_conflicts else stmt
        if returning_ids:
            return set(session.scalars(stmt.returning(table.c.id), list(rows)))
        session.execute(stmt, list(rows))
        return set()
    names = list(rows[0])
    cols = [table.c[n] for n in names]
    arrays = [[_pg_value(c, r.get(n)) for r in rows] for n, c in zip(names, cols, strict=True)]
    for column in table.columns:  # Python-side defaults, as SQLAlchemy's insert would apply
        default = column.default
        if column.name in names or default is None or not (default.is_scalar or
                                                           default.is_callable):
            continue
        names.append(column.name)
        cols.append(column)
        arrays.append([_pg_value(column, default.arg(None) if default.is_callable
                                 else default.arg) for _ in rows])
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest("
           + ", ".join(f"%s::{_pg_type(c)}[]" for c in cols) + ")"
           + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
           + (" RETURNING id" if returning_ids else ""))
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute(sql, arrays)
    return {r[0] for r in cursor.fetchall()} if returning_ids else set()


def generic_insert(session: Session):
    return pg_insert if is_postgres(session) else sqlite_insert
