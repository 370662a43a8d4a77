"""Reading synced rows and encoding them for a collector's device (masked where the law says)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.bulk import is_postgres
from server.sync.json_rows import decode_rows, rows_json
from server.sync.tables import SYNC_TABLES
from server.sync.wire import encoder_for, unchanged


class Masker:
    """Masks national ids and birth dates (to the year) always, the numbers of parties not
    liable for the debt, and the restricted note of a vulnerability request."""

    def __init__(self, liable_party_ids: Callable[[], set[str]]):
        self._load = liable_party_ids
        self._liable: set[str] | None = None

    def liable(self) -> set[str]:
        """Debtors and liable parties of the collector's visits (loaded once, when first needed)."""
        if self._liable is None:
            self._liable = self._load()
        return self._liable

    def __call__(self, name: str, row: dict) -> dict:
        mask = SYNC_TABLES[name].mask  # declared per table on the registry
        return row if mask is None else mask(row, self.liable)

    def of(self, name: str) -> Callable[[dict], dict] | None:
        """`name`'s mask as a function of a row (None: the table has none), for many rows."""
        mask = SYNC_TABLES[name].mask
        return None if mask is None else functools.partial(_apply, mask, self.liable)


def _apply(mask, liable, row: dict) -> dict:
    return mask(row, liable)


@functools.cache
def _encoders(name: str) -> tuple:
    spec = SYNC_TABLES[name]
    return tuple((col, encoder_for(spec.table.c[col])) for col in spec.columns)


@functools.cache
def _wire_shape(name: str) -> tuple[tuple[str, ...], tuple]:
    """The device's columns of `name` in order, and (column, encoder) for the ones whose
    database value is not already its wire value (times, dates, money, JSON)."""
    pairs = _encoders(name)
    return (tuple(col for col, _ in pairs),
            tuple((col, enc) for col, enc in pairs if enc is not unchanged))


def encode(name: str, mapping, mask: Masker) -> dict:
    """One database row as the device sees it: raw column names, wire values, masked."""
    return mask(name, {col: enc(mapping[col]) for col, enc in _encoders(name)})


def _encode_rows(name: str, result, mask: Masker) -> list[dict]:
    """Rows selected in `_wire_shape` order, encoded as `encode` does (zip, then only the
    columns that need it: most of a row is strings and numbers that travel as they are)."""
    columns, special = _wire_shape(name)
    out = []
    for values in result:
        row = dict(zip(columns, values, strict=True))
        for col, enc in special:
            row[col] = enc(row[col])
        out.append(mask(name, row))
    return out


def fetch(session: Session, name: str, where, mask: Masker, order=False, limit=None,
          after_id: str | None = None) -> list[dict]:
    """Rows of `name` matching `where`, encoded; ordered by id for pagination when asked."""
    if is_postgres(session):  # the database builds the wire rows (server/sync/json_rows.py)
        text = session.scalar(select(rows_json(name, where, order, limit, after_id)))
        return decode_rows(name, text, mask)
    return fetch_python(session, name, where, mask, order, limit, after_id)


def fetch_python(session: Session, name: str, where, mask: Masker, order=False, limit=None,
                 after_id: str | None = None) -> list[dict]:
    """`fetch` with the rows encoded in Python (SQLite; the reference for PostgreSQL's)."""
    table = SYNC_TABLES[name].table
    stmt = select(*(table.c[col] for col in _wire_shape(name)[0])).where(where)
    if after_id is not None:
        stmt = stmt.where(table.c.id > after_id)
    if order:
        stmt = stmt.order_by(table.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return _encode_rows(name, session.execute(stmt), mask)


def fetch_all(session: Session, wheres: dict, mask: Masker) -> dict[str, list[dict]]:
    """Every table's rows matching its `where` (ordered by id), one statement on PostgreSQL:
    one round trip for the twenty-odd tables of a first sync, most of them empty."""
    if not is_postgres(session) or not wheres:
        return {name: fetch(session, name, where, mask, order=True)
                for name, where in wheres.items()}
    return fetch_statement(session, select(*(rows_json(name, where, order=True).label(name)
                                             for name, where in wheres.items())), mask)


def fetch_statement(session: Session, stmt, mask: Masker, params=None) -> dict[str, list[dict]]:
    """Run a statement of `rows_json` columns labelled by table: {table: wire rows}."""
    texts = session.execute(stmt, params).one()
    return {name: decode_rows(name, text, mask) for name, text in texts._asdict().items()}


def reads_statement(row_reads: list[tuple[str, object]], id_reads: list[tuple[str, object]]):
    """PostgreSQL: one SELECT of the reads as scalar subqueries (JSON rows, then id arrays)."""
    columns = [rows_json(name, where).label(f"r{i}") for i, (name, where) in enumerate(row_reads)]
    columns += [select(func.array_agg(SYNC_TABLES[name].table.c.id)).where(where)
                .scalar_subquery().label(f"i{i}") for i, (name, where) in enumerate(id_reads)]
    return select(*columns)


def run_reads(session: Session, stmt, row_names: list[str], id_count: int, mask: Masker,
              params: dict | None = None) -> tuple[list[list[dict]], list[list[str]]]:
    """Execute a `reads_statement`: decoded wire rows per row read, ids per id read."""
    got = session.execute(stmt, params).one()
    rows = [decode_rows(name, got[i], mask) for i, name in enumerate(row_names)]
    found = [list(got[len(row_names) + i] or ()) for i in range(id_count)]
    return rows, found


def ids(session: Session, name: str, where) -> list[str]:
    table = SYNC_TABLES[name].table
    return list(session.scalars(select(table.c.id).where(where)))


def unique_by_id(rows: Iterable[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row["id"], row)
    return list(seen.values())
