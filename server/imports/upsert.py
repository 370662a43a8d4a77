"""Set-based writing: split records into created/updated/unchanged, then one upsert per table.

Planning (`plan`, `write`, `insert_new`) is plain Python and only queues `Job`s; `run_jobs`
sends them to the database, possibly while the next chunk is being planned (writer.py).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from sqlalchemy import (
    Table,
    TableClause,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from server.db.feed import FEED_TABLES, record_changes, record_from_select, record_joined
from server.imports.report import Report
from server.imports.staging import KEY_SEPARATOR, joined_keys, new_ids, stage
from server.models import utcnow

IN_CHUNK = 5000  # keys per IN (...) list, well under SQLite's 32,766 parameters

# How an import changes an existing value: "replace" it, "coalesce" (a blank never erases),
# or "or" (a flag the file can raise but never lower).
Rules = dict[str, str]


@dataclass
class Plan:
    """Records to write (new and changed), the id of every key, and the lines that changed."""

    ids: dict[Hashable, str] = field(default_factory=dict)
    new: list[dict] = field(default_factory=list)  # keys not in the database yet
    changed: list[dict] = field(default_factory=list)
    created: set[Hashable] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)
    unchanged: int = 0
    # key -> the row as the write leaves it: its id, then the rules' columns in order
    written: dict[Hashable, tuple] = field(default_factory=dict)

    @property
    def records(self) -> list[dict]:
        return self.new + self.changed


# Which written rows a device could hold (see writer.Fresh): record -> bool; None = all.
Noted = Callable[[dict], bool] | None


@dataclass
class Job:
    """One statement's worth of records for one table, and the ids to note in the change feed."""

    table: Table
    records: list[dict]
    noted: list[str] | None  # None: every record
    same: dict = field(default_factory=dict)  # a value every record shares (updated_at)
    conflict: tuple[str, ...] = ()  # ON CONFLICT (…) DO UPDATE with `rules`; () = plain INSERT
    rules: Rules | None = None


def run_jobs(session: Session, jobs: list[Job]) -> None:
    """Write the queued records, in order, and note them in the change feed."""
    for job in jobs:
        staged = _insert(session, job.table, job.records, job.same, job.conflict, job.rules)
        _feed(session, job.table, staged, job.records, job.noted)


def _changes(kinds: tuple[str, ...], new: tuple, old: tuple) -> bool:
    """Whether writing `new` over `old` changes the row under the rules."""
    for rule, value, prev in zip(kinds, new, old, strict=True):
        if value == prev:
            continue
        if rule == "replace" or (value is not None if rule == "coalesce" else value and not prev):
            return True
    return False


def plan(wanted: dict[Hashable, tuple[dict, int]], existing: dict[Hashable, Sequence],
         rules: Rules, defaults: dict | None = None, order: Iterable | None = None) -> Plan:
    """Compare wanted records (key -> (values, line)) with existing rows.

    `existing` maps a key to the row in the database: its id, then the `rules` columns in order.
    New keys get ids ascending in `order` (all of wanted's keys; default: wanted's order).
    """
    out = Plan()
    ids, lines, created, new_records, changed, written = (
        out.ids, out.lines, out.created, out.new, out.changed, out.written)
    fresh = ordered_ids(key for key in (wanted if order is None else order)
                        if key not in existing)
    columns, kinds = tuple(rules), tuple(rules.values())
    pick = itemgetter(*columns) if len(columns) > 1 else lambda values: (values[columns[0]],)
    filled = tuple((defaults or {}).items())
    unchanged = 0
    for key, (values, line) in wanted.items():
        old = existing.get(key)
        if old is None:
            row_id = fresh[key]
            created.add(key)
            record = values.copy()
            for column, default in filled:
                if record.get(column) is None:
                    record[column] = default
            record["id"] = row_id
            new_records.append(record)
            written[key] = (row_id, *_picked(pick, record, columns))
        else:
            row_id, was = old[0], old[1:]
            new = _picked(pick, values, columns)
            # Equal values change nothing under any rule: the common case of a re-import.
            if new == was or not _changes(kinds, new, was):
                ids[key] = row_id
                unchanged += 1
                continue
            # NOT NULL is checked on the proposed row before ON CONFLICT: carry blanks over.
            record = values.copy()
            for column, value, prev in zip(columns, new, was, strict=True):
                if value is None:
                    record[column] = prev
            record["id"] = row_id
            changed.append(record)
            written[key] = (row_id, *(
                (prev or record[column]) if kind == "or" else record[column]
                for column, kind, prev in zip(columns, kinds, was, strict=True)))
        ids[key] = row_id
        lines.add(line)
    out.unchanged = unchanged
    return out


def ordered_ids(keys: Iterable) -> dict:
    """A fresh id for each key, ascending in the keys' order: random uuid4s all the same.

    Parents get ids in the order the file first gives them (a debtor, then its related
    parties), children in their parent's order (their keys start with the parent id): a
    chunk's rows then go into the primary key index, and into the indexes on parent ids, in
    the same order, page after page, and the foreign-key checks read their parents in order.
    With tables larger than the database's cache: inserts up to a third cheaper, a 100,000-row
    first import's database time 12 % lower than with random order (docs/import_bench_results.md).
    """
    keys = list(keys)
    return dict(zip(keys, sorted(new_ids(len(keys))), strict=True))


def sorted_ids(keys: Iterable) -> dict:
    """ordered_ids in key order (children: by parent id first)."""
    return ordered_ids(sorted(keys))


def _picked(pick, values: dict, columns: tuple[str, ...]) -> tuple:
    """The rules' columns of a record, in order (a column left out is None)."""
    try:
        return pick(values)
    except KeyError:
        return tuple(map(values.get, columns))


def write(jobs: list[Job], table: Table, result: Plan, conflict: tuple[str, ...],
          rules: Rules, report: Report, noted: Noted = None) -> None:
    """Count the planned records and queue them; note in the change feed those a device may hold.

    New records go in with a plain INSERT (their keys were looked up in this transaction, and
    the lender is locked against a parallel import); changed ones with INSERT … ON CONFLICT DO
    UPDATE, which applies the merge rules against the row as it is.
    """
    report.table(table.name, "created", len(result.created))
    report.table(table.name, "updated", len(result.changed))
    report.table(table.name, "unchanged", result.unchanged)
    now = {"updated_at": utcnow()} if "updated_at" in table.c else {}
    if result.new:
        jobs.append(Job(table, result.new, _noted(table, result.new, noted), now))
    if result.changed:
        jobs.append(Job(table, result.changed, _noted(table, result.changed, noted), now,
                        conflict, rules))


def insert_new(jobs: list[Job], table: Table, records: list[dict], report: Report,
               unchanged: int, noted: Noted = None) -> None:
    """Count and queue rows known to be new (children matched by their natural key)."""
    report.table(table.name, "created", len(records))
    report.table(table.name, "unchanged", unchanged)
    if records:
        jobs.append(Job(table, records, _noted(table, records, noted)))


def _noted(table: Table, records: list[dict], noted: Noted) -> list[str] | None:
    """The ids to note in the change feed (None: all of them), decided while planning."""
    if table.name not in FEED_TABLES:
        return []
    if noted is None:
        return None
    ids = [record["id"] for record in records if noted(record)]
    return None if len(ids) == len(records) else ids


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
        source = select(*staged.c, *shared)
        if not conflict:  # in key order the primary key index fills page by page
            source = source.order_by(staged.c.id)
        stmt = stmt.from_select([*staged.c.keys(), *same], source, include_defaults=False)
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


def _feed(session: Session, table: Table, staged: TableClause | None, records: list[dict],
          noted: list[str] | None) -> None:
    if noted is not None and not noted:
        return
    if staged is None:
        record_changes(session, table.name,
                       [record["id"] for record in records] if noted is None else noted)
    elif noted is None:
        # In id order: the feed's (table_name, row_id) index then fills page by page.
        record_from_select(session, table.name, f'SELECT id FROM "{staged.name}" ORDER BY id')
    elif (joined := joined_keys(sorted(noted))) is not None:
        record_joined(session, table.name, joined, KEY_SEPARATOR)
    else:  # an id holds the separator
        record_changes(session, table.name, sorted(noted))


def fetch(session: Session, columns: list, key_column, keys: Iterable, *where,
          source=None) -> list[Sequence]:
    """Rows (as tuples) whose key_column is in keys: one index probe per key on PostgreSQL,
    IN (…) lists elsewhere. `source`: the FROM clause (a join) when the columns need one."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    connection = session.connection()  # Core, not the ORM: nothing to autoflush in an import
    if connection.dialect.name == "postgresql":
        # One string split server-side: an array parameter is quoted element by element.
        joined = joined_keys(keys)
        array = (bindparam("keys", keys, type_=ARRAY(key_column.type)) if joined is None else
                 cast(func.string_to_array(joined, KEY_SEPARATOR), ARRAY(key_column.type)))
        # `key = ANY(array)` let the planner read every row of the lender (through
        # ix_*_lender_id, or the whole table) and filter: a cost growing with the table, for
        # each chunk. A LATERAL subquery per key (OFFSET 0 keeps it one) is planned for one
        # key: an index probe unless the table is tiny (writer.ChunkWriter keeps such plans
        # from being prepared and reused as the table grows).
        listed = func.unnest(array).table_valued("key").render_derived(name="keys")
        found = (_select(columns, source).where(key_column == listed.c.key, *where)
                 .offset(literal_column("0")).lateral("found"))
        return _plain_rows(session, select(*found.c).select_from(listed).join(found, true()))
    found = []
    for i in range(0, len(keys), IN_CHUNK):
        match = key_column.in_(keys[i:i + IN_CHUNK])
        found.extend(connection.execute(_select(columns, source).where(match, *where)).all())
    return found


def _select(columns: list, source):
    return select(*columns) if source is None else select(*columns).select_from(source)


def _plain_rows(session: Session, stmt) -> list[tuple]:
    """The statement's rows as psycopg's tuples: SQLAlchemy's Row costs ~5 µs a row to build
    and read, a third of a re-import's planning (psycopg already gives Decimal, date, bool).
    Executed through SQLAlchemy all the same, for its cache of compiled statements."""
    result = session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
