"""Set-based writing: split records into created/updated/unchanged, then one upsert per table."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter

from sqlalchemy import Table, TableClause, any_, bindparam, cast, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from server.imports.report import Report
from server.imports.staging import KEY_SEPARATOR, joined_keys, new_ids, stage
from server.models import utcnow
from server.sync.feed import FEED_TABLES, record_changes, record_from_select

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
    fresh = iter(new_ids(sum(1 for key in wanted if key not in existing)))
    columns, kinds = tuple(rules), tuple(rules.values())
    old_values = attrgetter(*columns) if len(columns) > 1 else (
        lambda row: (getattr(row, columns[0]),))
    for key, (values, line) in wanted.items():
        old = existing.get(key)
        if old is None:
            row_id = next(fresh)
            out.created.add(key)
            filled = {k: d for k, d in (defaults or {}).items() if values.get(k) is None}
            out.records.append({**values, **filled, "id": row_id})
        else:
            new, was = tuple(map(values.get, columns)), old_values(old)
            # Equal values change nothing under any rule: the common case of a re-import.
            if new == was or not any(map(_differs, kinds, new, was)):
                out.ids[key] = old.id
                out.unchanged += 1
                continue
            row_id = old.id
            # NOT NULL is checked on the proposed row before ON CONFLICT: carry blanks over.
            kept = {col: prev for col, value, prev in zip(columns, new, was, strict=True)
                    if value is None}
            out.records.append({**values, **kept, "id": row_id})
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
    now = {"updated_at": utcnow()} if "updated_at" in table.c else {}
    _feed(session, table, _insert(session, table, records, now, conflict, rules), records)


def insert_new(session: Session, table: Table, records: list[dict], report: Report,
               unchanged: int) -> None:
    """INSERT rows known to be new (children matched by their natural key)."""
    report.table(table.name, "created", len(records))
    report.table(table.name, "unchanged", unchanged)
    if records:
        _feed(session, table, _insert(session, table, records), records)


def _insert(session: Session, table: Table, records: list[dict], same: dict | None = None,
            conflict: tuple[str, ...] = (), rules: Rules | None = None) -> TableClause | None:
    """Write the records, with `same` values for every one of them.

    On PostgreSQL through a COPY-filled staging table, which is returned; values shared by every
    record (`same`, Python-side column defaults) are parameters of the INSERT, not copied rows.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = (postgresql if postgres else sqlite).insert(table)
    same = same or {}
    if postgres:
        same = _defaults(table, records[0].keys() | same.keys()) | same
        staged = stage(session, table, records)
        shared = [literal(value, table.c[name].type).label(name) for name, value in same.items()]
        stmt = stmt.from_select([*staged.c.keys(), *same], select(*staged.c, *shared),
                                include_defaults=False)
    elif same:
        records = [{**same, **record} for record in records]
    if conflict:
        set_ = {col: _merged(rule, stmt.excluded[col], table.c[col])
                for col, rule in (rules or {}).items()}
        if "updated_at" in table.c:
            set_["updated_at"] = stmt.excluded["updated_at"]
        stmt = stmt.on_conflict_do_update(index_elements=list(conflict), set_=set_)
    if postgres:
        session.connection().execute(stmt)
        return staged
    # RETURNING makes SQLAlchemy send multi-row VALUES instead of one row per call.
    session.connection().execute(stmt.returning(table.c.id), records).all()
    return None


def _defaults(table: Table, given) -> dict:
    """Values for columns with a Python-side default, once per batch (as Core gives a batch)."""
    return {c.name: c.default.arg if c.default.is_scalar else c.default.arg(None)
            for c in table.c if c.name not in given and c.default is not None}


def _merged(rule: str, new, old):
    if rule == "coalesce":
        return func.coalesce(new, old)
    if rule == "or":
        return or_(old, new)
    return new


def _feed(session: Session, table: Table, staged: TableClause | None,
          records: list[dict]) -> None:
    if table.name not in FEED_TABLES:
        return
    if staged is None:
        record_changes(session, table.name, [record["id"] for record in records])
    else:
        # In id order: the feed's (table_name, row_id) index then fills page by page.
        record_from_select(session, table.name, f'SELECT id FROM "{staged.name}" ORDER BY id')


def fetch(session: Session, columns: list, key_column, keys: Iterable, *where) -> list:
    """Rows whose key_column is in keys: = ANY(array) on PostgreSQL, IN (…) lists elsewhere."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # One string split server-side: an array parameter is quoted element by element.
        joined = joined_keys(keys)
        array = (bindparam("keys", keys, type_=ARRAY(key_column.type)) if joined is None else
                 cast(func.string_to_array(joined, KEY_SEPARATOR), ARRAY(key_column.type)))
        matches = [key_column == any_(array)]
    else:
        matches = [key_column.in_(keys[i:i + IN_CHUNK]) for i in range(0, len(keys), IN_CHUNK)]
    found = []
    for match in matches:
        # Core, not the ORM: plain rows, and nothing to autoflush during an import.
        found.extend(session.connection().execute(select(*columns).where(match, *where)).all())
    return found
