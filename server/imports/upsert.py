"""Set-based writing: split records into created/updated/unchanged, then one upsert per table."""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, any_, bindparam, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from server.imports.report import Report
from server.models import new_id, utcnow
from server.sync.feed import FEED_TABLES, record_changes

_PG = postgresql.dialect()
IN_CHUNK = 5000  # keys per IN (...) list, well under SQLite's 32,766 parameters

# How an import changes an existing value: "replace" it, "coalesce" (a blank never erases),
# or "or" (a flag the file can raise but never lower).
Rules = dict[str, str]


@dataclass
class Plan:
    """Records to write (new and changed), the id of every key, and the lines that changed."""

    ids: dict[Hashable, str] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)
    created: set[Hashable] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)
    unchanged: int = 0


def _differs(rule: str, new, old) -> bool:
    if rule == "or":
        return bool(new) and not old
    if rule == "coalesce" and new is None:
        return False
    return new != old


def plan(wanted: dict[Hashable, tuple[dict, int]], existing: dict[Hashable, object],
         rules: Rules, defaults: dict | None = None) -> Plan:
    """Compare wanted records (key -> (values, line)) with existing rows (key -> row)."""
    out = Plan()
    for key, (values, line) in wanted.items():
        old = existing.get(key)
        if old is None:
            row_id = new_id()
            out.created.add(key)
            filled = {k: d for k, d in (defaults or {}).items() if values.get(k) is None}
            out.records.append({**values, **filled, "id": row_id})
        elif any(_differs(rule, values.get(col), getattr(old, col)) for col, rule in rules.items()):
            row_id = old.id
            # NOT NULL is checked on the proposed row before ON CONFLICT: carry blanks over.
            kept = {col: getattr(old, col) for col in rules if values.get(col) is None}
            out.records.append({**values, **kept, "id": row_id})
        else:
            out.ids[key] = old.id
            out.unchanged += 1
            continue
        out.ids[key] = row_id
        out.lines.add(line)
    return out


def write(session: Session, table: Table, result: Plan, conflict: tuple[str, ...],
          rules: Rules, report: Report) -> None:
    """INSERT … ON CONFLICT DO UPDATE the planned records; count them; note the change feed."""
    report.table(table.name, "created", len(result.created))
    report.table(table.name, "updated", len(result.records) - len(result.created))
    report.table(table.name, "unchanged", result.unchanged)
    if not result.records:
        return
    records = result.records
    if "updated_at" in table.c:
        now = utcnow()
        records = [{**record, "updated_at": now} for record in records]
    _insert(session, table, records, conflict, rules)
    _feed(session, table, (record["id"] for record in records))


def insert_new(session: Session, table: Table, records: list[dict], report: Report,
               unchanged: int) -> None:
    """INSERT rows known to be new (children matched by their natural key)."""
    report.table(table.name, "created", len(records))
    report.table(table.name, "unchanged", unchanged)
    if records:
        _insert(session, table, records)
        _feed(session, table, (record["id"] for record in records))


def _insert(session: Session, table: Table, records: list[dict], conflict: tuple[str, ...] = (),
            rules: Rules | None = None) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = (postgresql if postgres else sqlite).insert(table)
    if postgres:
        records = _complete(table, records)
        stmt = stmt.from_select(list(records[0]), _unnest(table, records),
                                include_defaults=False)
    if conflict:
        set_ = {col: _merged(rule, stmt.excluded[col], table.c[col])
                for col, rule in (rules or {}).items()}
        if "updated_at" in table.c:
            set_["updated_at"] = stmt.excluded["updated_at"]
        stmt = stmt.on_conflict_do_update(index_elements=list(conflict), set_=set_)
    if postgres:
        session.connection().execute(stmt)
    else:
        # RETURNING makes SQLAlchemy send multi-row VALUES instead of one row per call.
        session.connection().execute(stmt.returning(table.c.id), records).all()


def _complete(table: Table, records: list[dict]) -> list[dict]:
    """Give columns with a Python-side default a value, as Core would for a plain INSERT."""
    given = records[0].keys()
    defaults = {c.name: c.default.arg if c.default.is_scalar else c.default.arg(None)
                for c in table.c if c.name not in given and c.default is not None}
    return [{**defaults, **record} for record in records] if defaults else records


def _unnest(table: Table, records: list[dict]):
    """SELECT * FROM unnest(one array per column): one parameter per column, not per value."""
    names = list(records[0])
    casts = ", ".join(f"CAST(:p{i} AS {table.c[name].type.compile(dialect=_PG)}[])"
                      for i, name in enumerate(names))
    params = {f"p{i}": [_plain(record[name]) for record in records]
              for i, name in enumerate(names)}
    return text(f"SELECT * FROM unnest({casts})").bindparams(**params).columns(
        *(table.c[name] for name in names))


def _plain(value):
    return json.dumps(value) if isinstance(value, list | dict) else value


def _merged(rule: str, new, old):
    if rule == "coalesce":
        return func.coalesce(new, old)
    if rule == "or":
        return or_(old, new)
    return new


def _feed(session: Session, table: Table, ids: Iterable[str]) -> None:
    if table.name in FEED_TABLES:
        record_changes(session, table.name, list(ids))


def fetch(session: Session, columns: list, key_column, keys: Iterable, *where) -> list:
    """Rows whose key_column is in keys: = ANY(array) on PostgreSQL, IN (…) lists elsewhere."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    if session.get_bind().dialect.name == "postgresql":
        matches = [key_column == any_(bindparam("keys", keys, type_=ARRAY(key_column.type)))]
    else:
        matches = [key_column.in_(keys[i:i + IN_CHUNK]) for i in range(0, len(keys), IN_CHUNK)]
    found = []
    for match in matches:
        found.extend(session.execute(select(*columns).where(match, *where)).all())
    return found
