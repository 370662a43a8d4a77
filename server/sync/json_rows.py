"""PostgreSQL builds the pulled rows as JSON text; Python decodes them with orjson (C).

psycopg turning 1,000 rows into Python values (a datetime per timestamp, a Decimal per amount)
and the encoder turning them back cost most of a first pull. Here the database sends each
table's rows as one JSON array with the wire conversions done in SQL: UTC times as epoch
milliseconds, dates as ISO text (json's own date form), money and floats as their text (read
back exactly as psycopg reads them), JSON columns as their stored text (decoded and re-encoded
as the wire's sorted compact string in Python, as before). Masks then run on the decoded rows.
tests/integration/sync/test_pull_json_rows.py checks the answer is identical to the Python path.
"""

from __future__ import annotations

import functools
import json

import orjson
from sqlalchemy import JSON, BigInteger, Float, Numeric, Text, cast, extract, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from server.models.base import UTCDateTime
from server.sync.tables import SYNC_TABLES
from server.sync.wire import encode_value


def _wire_sql(column):
    """The column as the JSON the wire wants (or as text a Python step finishes)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return cast(func.floor(extract("epoch", column) * 1000), BigInteger)
    if isinstance(kind, JSON | Numeric):  # Numeric covers Float and Double (floats)
        return cast(column, Text)
    return column


@functools.cache
def _finishers(name: str) -> tuple:
    """(column, Python step) for the columns sent as text: floats and JSON values."""
    spec = SYNC_TABLES[name]
    steps = []
    for col in spec.columns:
        kind = spec.table.c[col].type
        if isinstance(kind, JSON):
            steps.append((col, _json_value))
        elif isinstance(kind, Float):  # floats; money (Numeric) stays the text it is
            steps.append((col, float))
    return tuple(steps)


def _json_value(text: str):
    return encode_value(json.loads(text))


def rows_json(name: str, where, order=False, limit=None, after_id: str | None = None):
    """A scalar SELECT of `name`'s matching rows as one JSON array text (NULL when none), each
    row an array of the device's columns in order (keys are added in Python: cheaper than
    PostgreSQL writing them 1,000 times)."""
    table = SYNC_TABLES[name].table
    values = func.json_build_array(*(_wire_sql(table.c[col]) for col in SYNC_TABLES[name].columns))
    inner = select(values.label("row"), table.c.id.label("id")).where(where)
    if after_id is not None:
        inner = inner.where(table.c.id > after_id)
    if order or limit is not None:
        inner = inner.order_by(table.c.id)
    if limit is not None:
        inner = inner.limit(limit)
    rows = inner.subquery(f"r_{name}")
    agg = (func.json_agg(aggregate_order_by(rows.c.row, rows.c.id)) if order
           else func.json_agg(rows.c.row))
    return select(cast(agg, Text)).select_from(rows).scalar_subquery()


def decode_rows(name: str, text: str | None, mask) -> list[dict]:
    """The database's JSON array as wire rows: keys added, text columns finished, masked."""
    if not text:
        return []
    columns = SYNC_TABLES[name].columns
    steps = [(col, functools.lru_cache(maxsize=256)(step)) for col, step in _finishers(name)]
    masked = mask.of(name)
    out = [dict(zip(columns, values, strict=True)) for values in orjson.loads(text)]
    if not steps and masked is None:
        return out
    for i, row in enumerate(out):
        for col, step in steps:  # memoised: most rows share a value ("[]", a country's bounds)
            value = row[col]
            if value is not None:
                row[col] = step(value)
        if masked is not None:
            out[i] = masked(row)
    return out
