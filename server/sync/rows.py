"""Reading synced rows and encoding them for a collector's device (masked where the law says)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.sync.tables import SYNC_TABLES
from server.sync.wire import encoder_for


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


@functools.cache
def _encoders(name: str) -> tuple:
    spec = SYNC_TABLES[name]
    return tuple((col, encoder_for(spec.table.c[col])) for col in spec.columns)


def encode(name: str, mapping, mask: Masker) -> dict:
    """One database row as the device sees it: raw column names, wire values, masked."""
    return mask(name, {col: enc(mapping[col]) for col, enc in _encoders(name)})


def fetch(session: Session, name: str, where, mask: Masker, order=False, limit=None,
          after_id: str | None = None) -> list[dict]:
    """Rows of `name` matching `where`, encoded; ordered by id for pagination when asked."""
    table = SYNC_TABLES[name].table
    stmt = select(table).where(where)
    if after_id is not None:
        stmt = stmt.where(table.c.id > after_id)
    if order:
        stmt = stmt.order_by(table.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [encode(name, m, mask) for m in session.execute(stmt).mappings()]


def ids(session: Session, name: str, where) -> list[str]:
    table = SYNC_TABLES[name].table
    return list(session.scalars(select(table.c.id).where(where)))


def unique_by_id(rows: Iterable[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row["id"], row)
    return list(seen.values())
