"""Set-based statements for both databases; PostgreSQL gets arrays and binary COPY.

A multi-row VALUES statement for 500 rows has thousands of parameters that the driver must
parse each time; on PostgreSQL `IN` lists are one array parameter (`= ANY(%s)`) and bulk inserts
are a binary COPY into a staging table followed by one `INSERT … SELECT`.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Sequence

from psycopg.types.json import Jsonb
from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    String,
    Table,
    any_,
    bindparam,
    cast,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool
from sqlalchemy.types import NullType

from server.db.feed import record_changes
from server.models.base import utcnow

_PG = postgresql.dialect()
# Staging tables (temporary, so per database connection) this connection already has: kept in
# the pooled connection's info and forgotten whenever a rollback could have dropped them.
_STAGES = "doorstep_stages"


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _quoted(value) -> str:
    if value is None:
        return "NULL"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(values: Iterable) -> str:
    """PostgreSQL's text form of a text[] of `values` (for a parameter cast to an array)."""
    return "{" + ",".join(_quoted(v) for v in values) + "}"


def text_array(values: Iterable | None = None, key: str | None = None, element=String):
    """A text[] parameter (or an array of `element`: its text literal is the same), rendered to
    its array literal once (for any number of statements); with `key` and no values, a named
    parameter to be given `array_literal(...)` at execution.

    psycopg dumps a list parameter element by element, with a quoting regex per element, every
    time a statement is executed: 1,000 visit ids in the twenty statements of a first pull cost
    ~55 ms that way. The literal is one untyped parameter, cast once to an array by the server.
    """
    param = (bindparam(key, type_=NullType()) if values is None
             else bindparam(key, array_literal(values), type_=NullType()))
    return cast(param, postgresql.ARRAY(element))


def in_values(session: Session, column, values: Iterable) -> ColumnElement[bool]:
    """`column IN values`, as `= ANY(array)` on PostgreSQL (one parameter, any length)."""
    values = list(values)
    if is_postgres(session):
        return column == any_(text_array(values))
    return column.in_(values)


def in_driving_values(session: Session, column, values: Iterable) -> ColumnElement[bool]:
    """`column IN values` where the values should drive the join (PostgreSQL: IN unnest).

    `= ANY(array)` becomes an index condition re-checked inside a nested loop when a prepared
    (generic) plan underestimates the other side: 1,000 assignments × 500 ids took 0.6 s.
    A semi-join on `unnest(array)` lets the ids lead, whatever the statistics say.
    """
    values = list(values)
    if is_postgres(session):
        return column.in_(select(func.unnest(text_array(values))))
    return column.in_(values)


def materialize(session: Session, ids_query: Select) -> Select:
    """Run a subquery of ids once; PostgreSQL then reads them from one array parameter.

    Scope queries nest the collector's visits in every statement; planning and running that join
    twenty times per pull costs more than sending the ids back as `unnest(:array)`.
    """
    if not is_postgres(session):
        return ids_query
    return select(func.unnest(text_array(session.scalars(ids_query))))


def _pg_type(column) -> str:
    if isinstance(column.type, JSON):
        return "jsonb"
    return column.type.compile(dialect=_PG).lower()


def _pg_value(column, value):
    return Jsonb(value) if isinstance(column.type, JSON) and value is not None else value


def insert_rows(session: Session, table: Table, rows: Sequence[dict], ignore_conflicts=False,
                returning_ids=False, conflict: Sequence[str] = (), note_changes=False) -> set:
    """Insert dict rows (same keys each); optionally skip clashes and return inserted ids.

    `conflict` names the unique columns whose clashes are skipped (default: any clash);
    `note_changes` notes the inserted rows in the change feed (on PostgreSQL in the same
    statement, so their ids never travel back and forth).
    """
    if not rows:
        return set()
    if not is_postgres(session):
        stmt = sqlite_insert(table)
        if ignore_conflicts:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict) or None)
        if returning_ids or note_changes:
            inserted = set(session.scalars(stmt.returning(table.c.id), list(rows)))
            if note_changes:
                record_changes(session, table.name, sorted(inserted))
            return inserted
        session.execute(stmt, list(rows))
        return set()
    names = list(rows[0])
    cols = [table.c[n] for n in names]
    if any(isinstance(c.type, JSON) for c in cols):
        values = [[_pg_value(c, r.get(n)) for n, c in zip(names, cols, strict=True)]
                  for r in rows]
    else:  # no value needs wrapping
        values = [[r.get(n) for n in names] for r in rows]
    for column in table.columns:  # Python-side defaults, as SQLAlchemy's insert would apply
        default = column.default
        if column.name in names or default is None or not (default.is_scalar or
                                                           default.is_callable):
            continue
        names.append(column.name)
        cols.append(column)
        for row in values:
            row.append(_pg_value(column, default.arg(None) if default.is_callable
                                 else default.arg))
    return _copy_insert(session, table, names, cols, values, ignore_conflicts, returning_ids,
                        conflict, note_changes)


def _copy_insert(session: Session, table: Table, names: list[str], cols: list, values: list,
                 ignore_conflicts: bool, returning_ids: bool, conflict: Sequence[str],
                 note_changes: bool = False) -> set:
    """Binary COPY into an empty per-connection staging table, then one INSERT … SELECT.

    COPY sends typed binary rows with no per-value parsing (text arrays of timestamps cost more
    than the insert); the INSERT empties the stage as it reads it, so it is ready for reuse.
    With `note_changes` the same statement writes the change-feed notes of what it inserted
    (as server/db/feed.py's `record_many` would).
    """
    listing = ", ".join(names)
    stage = f"_stage_{table.name}_{hashlib.sha1(listing.encode()).hexdigest()[:10]}"
    pooled = session.connection().connection
    cursor = pooled.driver_connection.cursor()
    known = pooled.info.setdefault(_STAGES, set())
    if stage not in known:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {listing}, 0 AS _n "
                       f"FROM {table.name} WITH NO DATA")
        known.add(stage)
    with cursor.copy(f"COPY {stage} ({listing}, _n) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([_pg_type(c).split("(")[0] for c in cols] + ["integer"])
        for n, row in enumerate(values):
            row.append(n)
            copy.write_row(row)
    target = f"({', '.join(conflict)}) " if conflict else ""
    # Rows go in as sent (ORDER BY _n): of two clashing rows in one push the first one wins.
    insert = (f"INSERT INTO {table.name} ({listing}) SELECT {listing} FROM staged ORDER BY _n"
              + (f" ON CONFLICT {target}DO NOTHING" if ignore_conflicts else ""))
    if note_changes:
        cursor.execute(f"WITH staged AS (DELETE FROM {stage} RETURNING *), "
                       f"inserted AS ({insert} RETURNING id), "
                       "noted AS (INSERT INTO sync_changes (txid, table_name, row_id, op, "
                       "changed_at) SELECT pg_current_xact_id()::text::bigint, %s, id, "
                       "'upsert', %s FROM inserted) SELECT id FROM inserted",
                       (table.name, utcnow()))
        return {r[0] for r in cursor.fetchall()}
    cursor.execute(f"WITH staged AS (DELETE FROM {stage} RETURNING *) {insert}"
                   + (" RETURNING id" if returning_ids else ""))
    return {r[0] for r in cursor.fetchall()} if returning_ids else set()


def _forget_stages(conn, *_args) -> None:
    """A rolled-back transaction or savepoint took the staging tables it created with it."""
    with contextlib.suppress(Exception):  # an invalidated connection: its info goes with it
        conn.connection.info.pop(_STAGES, None)


def _forget_stages_on_reset(_dbapi_connection, record, reset_state) -> None:
    if not reset_state.transaction_was_reset:  # the pool rolls back an open transaction
        record.info.pop(_STAGES, None)


def _install() -> None:
    for name in ("rollback", "rollback_savepoint"):
        if not event.contains(Engine, name, _forget_stages):
            event.listen(Engine, name, _forget_stages)
    if not event.contains(Pool, "reset", _forget_stages_on_reset):
        event.listen(Pool, "reset", _forget_stages_on_reset)


_install()


def generic_insert(session: Session):
    return pg_insert if is_postgres(session) else sqlite_insert
