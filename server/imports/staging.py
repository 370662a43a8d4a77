"""PostgreSQL bulk transport: COPY records into a temp staging table, or keys into a join.

Text array parameters (`unnest(:array)`, `= ANY(:array)`) cost psycopg ~10 µs per element to
quote in Python; COPY costs ~2 µs per row. A first import of 100,000 rows ships ~10 M values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from operator import itemgetter

from sqlalchemy import JSON, Engine, Table, TableClause, column, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

KEY_SEPARATOR = "\x1f"  # validated text never holds it: it is whitespace to str.split()
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122: 10xx


def new_ids(count: int) -> list[str]:
    """Fresh uuid4 hex ids (as server.models.new_id makes them), several at once and cheaply.

    Random hex with the version nibble set to 4 and the variant bits to 10, which is exactly
    what uuid.uuid4() does to its 16 random bytes.
    """
    pool = os.urandom(16 * count).hex()
    return [f"{pool[i:i + 12]}4{pool[i + 13:i + 16]}{_VARIANT[pool[i + 16]]}{pool[i + 17:i + 32]}"
            for i in range(0, 32 * count, 32)]


def stage(session: Session, target: Table, records: list[dict]) -> TableClause:
    """COPY records into this transaction's (emptied) staging table for target; return it."""
    names = list(records[0])
    name = f"import_{target.name}"
    connection = session.connection()
    cursor = connection.connection.driver_connection.cursor()
    # One per table for the whole transaction (an import is one), emptied before each chunk:
    # all columns, no constraints or defaults; dropped at commit or rollback. One round trip.
    cursor.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{name}" ON COMMIT DROP AS '
                   f'SELECT * FROM "{target.name}" WITH NO DATA; TRUNCATE "{name}"')
    as_json = [i for i, n in enumerate(names) if isinstance(target.c[n].type, JSON)]
    listed = ", ".join(f'"{n}"' for n in names)
    values = itemgetter(*names) if len(names) > 1 else lambda record: (record[names[0]],)
    with cursor.copy(f'COPY "{name}" ({listed}) FROM STDIN') as copy:
        write_row = copy.write_row
        for record in records:
            row = values(record)
            if as_json:
                row = list(row)
                for i in as_json:
                    if row[i] is not None:
                        row[i] = json.dumps(row[i])
            write_row(row)
    return table(name, *(column(n) for n in names))


def joined_keys(keys: Iterable[str]) -> str | None:
    """Keys as one separated string (for string_to_array), or None when one holds the separator."""
    keys = list(keys)
    joined = KEY_SEPARATOR.join(keys)
    return joined if joined and joined.count(KEY_SEPARATOR) == len(keys) - 1 else None


STALE = 0.1  # ANALYZE when this share of a table changed since (autovacuum's default threshold)


def refresh_statistics(session: Session, tables: Iterable[str]) -> list[str]:
    """ANALYZE the tables whose planner statistics are missing or stale; return their names.

    Without statistics PostgreSQL takes `lender_id = …` for a rare value and reads every row of
    the lender through ix_*_lender_id for each chunk's lookup instead of probing the
    (lender_id, external_id) index: a re-import right after a first import (or with autovacuum
    off) spent most of its database time there. Runs on a connection of its own, in autocommit,
    so that the lock ANALYZE takes is not held for the whole import; skipped when the session
    is bound to a connection rather than an engine.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return []
    try:
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            stale = connection.exec_driver_sql(
                "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
                " WHERE s.relid = ANY(ARRAY(SELECT to_regclass(t)"
                "                           FROM unnest(%(tables)s::text[]) t))"
                " AND (c.reltuples < 0 OR s.n_mod_since_analyze > 50 + %(stale)s * c.reltuples)"
                " ORDER BY s.relname", {"tables": list(tables), "stale": STALE}).scalars().all()
            if stale:
                connection.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in stale))
    except SQLAlchemyError:  # no spare connection, or the server refused: import without it
        return []
    return stale
