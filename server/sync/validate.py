"""Pure checks of pushed rows: shape, ids, column values. No database here."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from server.errors import InvalidInput, TooLarge
from server.models.base import ID_PATTERN
from server.sync.settings import MAX_PUSH_ROWS
from server.sync.tables import COMPUTED_COLUMNS, SYNC_TABLES, SyncTable
from server.sync.values import value_errors
from server.sync.wire import BadValue, decoder_for

_ID = re.compile(ID_PATTERN)
WATERMELON_COLUMNS = frozenset({"_status", "_changed"})  # local bookkeeping, ignored
OPERATIONS = ("created", "updated", "deleted")


@dataclass
class Rejection:
    """A row that can't be applied: it goes to quarantine and back in experimentalRejectedIds."""

    table: str
    row_id: str | None
    operation: str
    reason: str
    errors: dict
    payload: object


@dataclass
class Checked:
    """A row whose values decoded: `values` holds database values by column name."""

    table: str
    operation: str
    row_id: str
    values: dict
    raw: dict
    changed: tuple[str, ...] | None = None  # WatermelonDB's _changed, when sent
    digest: str | None = None
    extra: dict = field(default_factory=dict)


def check_shape(changes) -> int:
    """Reject malformed pushes whole: unknown tables/columns (422), too many rows (413)."""
    if not isinstance(changes, dict):
        raise InvalidInput("changes must be an object of tables", {"changes": ["not an object"]})
    unknown_tables = sorted(t for t in changes if t not in SYNC_TABLES)
    if unknown_tables:
        raise InvalidInput(f"unknown tables: {', '.join(unknown_tables)}",
                           {"tables": unknown_tables})
    total, unknown_columns, bad = 0, {}, {}
    for name, parts in changes.items():
        if not isinstance(parts, dict) or set(parts) - set(OPERATIONS) or not all(
                isinstance(parts.get(op, []), list) for op in OPERATIONS):
            bad[name] = ["expected {created: [], updated: [], deleted: []}"]
            continue
        known = (set(SYNC_TABLES[name].table.c.keys()) | WATERMELON_COLUMNS
                 | COMPUTED_COLUMNS.get(name, frozenset()))
        for op in ("created", "updated"):
            for row in parts.get(op, []):
                if isinstance(row, dict):
                    extra = set(row) - known
                    if extra:
                        unknown_columns.setdefault(name, set()).update(extra)
        total += sum(len(parts.get(op, [])) for op in OPERATIONS)
    if bad:
        raise InvalidInput("malformed changes", bad)
    if unknown_columns:
        named = {t: sorted(cols) for t, cols in unknown_columns.items()}
        listing = "; ".join(f"{t}: {', '.join(c)}" for t, c in named.items())
        raise InvalidInput(f"unknown columns: {listing}", {"columns": named})
    if total > MAX_PUSH_ROWS:
        raise TooLarge(f"too many rows in one push ({total} > {MAX_PUSH_ROWS}); split it",
                       {"rows": [f"at most {MAX_PUSH_ROWS}"]})
    return total


def valid_id(value) -> bool:
    return isinstance(value, str) and bool(_ID.fullmatch(value))


def _default(column):
    default = column.default
    if default is None or (not default.is_scalar and not default.is_callable):
        return None
    return default.arg(None) if default.is_callable else default.arg


_DECODERS: dict[tuple[str, str], object] = {}


def _decoder(spec: SyncTable, name: str):
    found = _DECODERS.get((spec.name, name))
    if found is None:
        found = _DECODERS[spec.name, name] = decoder_for(spec.table.c[name])
    return found


@functools.cache
def _fact_plan(name: str) -> tuple:
    """(column name, decoder, column) per content column of a fact table, in order: looked up
    once, not per value (a push decodes every column of every row)."""
    spec = SYNC_TABLES[name]
    return tuple((col, _decoder(spec, col), spec.table.c[col]) for col in spec.content_columns)


def check_row(spec: SyncTable, operation: str, raw) -> Checked | Rejection:
    """Decode one created/updated row; a Rejection says why it can't be."""
    row_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not valid_id(row_id):
        return Rejection(spec.name, row_id if isinstance(row_id, str) else None, operation,
                         "bad_id", {"id": [f"must match {ID_PATTERN}"]}, raw)
    values, errors = {}, {}
    plan = _fact_plan(spec.name) if spec.fact else tuple(
        (c, _decoder(spec, c), spec.table.c[c]) for c in raw if c in spec.columns)
    for name, decode, column in plan:
        value = raw.get(name)
        if value is None:
            value = _default(column) if spec.fact else None
            if value is None and not column.nullable:
                errors[name] = ["required"]
            values[name] = value
            continue
        try:
            values[name] = decode(value)
        except BadValue as exc:
            errors[name] = [str(exc)]
    if spec.fact and not errors:
        errors = value_errors(spec.name, values)
    if errors:
        return Rejection(spec.name, row_id, operation, "bad_value", errors, raw)
    changed = raw.get("_changed")
    changed = tuple(c for c in changed.split(",") if c) if isinstance(changed, str) else None
    return Checked(spec.name, operation, row_id, values, raw, changed)
