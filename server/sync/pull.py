"""Pull: what changed for this collector's device since its cursor (or everything, first time)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Date,
    Interval,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session

from server.compliance.visit_windows import with_allowed_windows
from server.db.bulk import array_literal, is_postgres, materialize, text_array
from server.models import (
    Case,
    PartyRelationship,
    SyncChange,
    SyncCursor,
    Visit,
    VisitAssignee,
)
from server.models.base import UTCDateTime
from server.sync import cursor as cursors
from server.sync import scope
from server.sync.errors import SchemaTooOld
from server.sync.json_rows import rows_json
from server.sync.rows import (
    Masker,
    fetch,
    fetch_all,
    fetch_statement,
    ids,
    reads_statement,
    run_reads,
    unique_by_id,
)
from server.sync.scope import Who
from server.sync.settings import MIN_SCHEMA_VERSION, SYNC_SCHEMA_VERSION
from server.sync.tables import SYNC_TABLES, TABLE_ORDER, known_to


@dataclass(frozen=True)
class PullRequest:
    who: Who
    last_pulled_at: int | None
    schema_version: int
    migration: dict | None = None
    limit: int | None = None


@dataclass
class Changes:
    """{table: {created, updated, deleted}} with no id twice in one answer (rows in updated)."""

    tables: dict = field(default_factory=lambda: {
        t: {"created": [], "updated": [], "deleted": []} for t in TABLE_ORDER})
    batches: dict = field(default_factory=dict)  # table -> how many reads added rows

    def add(self, name: str, kind: str, rows: list) -> None:
        if rows:
            self.tables[name][kind].extend(rows)
            self.batches[name] = self.batches.get(name, 0) + 1

    def finish(self) -> dict:
        # Every row travels in `updated`: WatermelonDB's sendCreatedAsUpdated (which incremental
        # pulls need) expects no `created`, and creates a row it does not have yet anyway.
        for name, parts in self.tables.items():
            rows = parts["created"] + parts["updated"]
            if self.batches.get(name, 0) > 1:  # one read by primary key has no id twice
                rows = unique_by_id(rows)
            gone = parts["deleted"]
            if gone:
                gone = sorted(set(gone) - {r["id"] for r in rows})
            parts.update(created=[], updated=rows, deleted=gone)
        return self.tables


def check_schema_version(version: int) -> None:
    """Refuse apps whose local schema the server no longer speaks."""
    if version < MIN_SCHEMA_VERSION:
        raise SchemaTooOld(
            f"this app is too old to sync (schema {version}); update the app",
            {"schema_version": [f"minimum supported is {MIN_SCHEMA_VERSION}"],
             "min_schema_version": MIN_SCHEMA_VERSION, "schema_version_current":
             SYNC_SCHEMA_VERSION})
    if version > SYNC_SCHEMA_VERSION:
        raise SchemaTooOld(
            f"schema {version} is newer than this server's {SYNC_SCHEMA_VERSION}",
            {"schema_version": [f"maximum supported is {SYNC_SCHEMA_VERSION}"]})


def pull_changes(session: Session, req: PullRequest) -> dict:
    """Answer one pull: {changes, timestamp, has_more}. Reads only, apart from the cursor row.

    Tables newer than the app's schema version are left out (it has nowhere to put them);
    its migration pull to that version brings them whole."""
    answer = with_allowed_windows(session, _answer(session, req))
    known = known_to(req.schema_version)
    answer["changes"] = {t: parts for t, parts in answer["changes"].items() if t in known}
    return answer


def _answer(session: Session, req: PullRequest) -> dict:
    check_schema_version(req.schema_version)
    who, changes = req.who, Changes()
    mask = Masker(lambda: set(session.scalars(
        scope.debt_related_parties(scope.current_visits(who)))))
    if req.last_pulled_at is None:
        snap = cursors.capture(session)  # before any read: later reads can only be newer
        return _first_sync(session, who, snap, (0, None), req.limit, changes, mask)
    row, news = _cursor_and_news(session, who, req.last_pulled_at)
    if row.page_rank is not None and row.user_id == who.collector_id:
        return _first_sync(session, who, cursors.snapshot_of(row),
                           (row.page_rank, row.page_after_id), req.limit, changes, mask)
    previous = cursors.snapshot_of(row)
    quiet = who.local_date(row.created_at) == who.today and not (
        news if news is not None else _news(session, who, row, previous))
    # The snapshot is taken before the rows this answer sends are read (the quiet check only
    # decides whether there are any; a quiet answer keeps the device's cursor and needs none).
    snap = cursors.capture(session) if not quiet or req.migration else None
    if not quiet:
        _incremental(session, who, row, previous, changes, mask)
    _migration(session, who, req.migration, changes, mask)
    if quiet and not req.migration:
        return {"changes": changes.finish(), "timestamp": row.id, "has_more": False}
    return {"changes": changes.finish(), "timestamp": cursors.save(session, snap, who.now),
            "has_more": False}


def _first_sync(session, who, snap, start, limit, changes, mask) -> dict:
    """Everything in scope, in (table, id) order; `limit` rows at most, then a page cursor."""
    rank, after_id = start
    left = limit
    whole = limit is None and after_id is None and rank == 0
    visits = None if whole and is_postgres(session) else materialize(
        session, scope.current_visits(who))
    if whole:  # no paging: every table in one statement
        found = (_first_sync_rows(session, who, mask) if visits is None
                 else fetch_all(session, {name: scope.in_scope(name, visits, who)
                                          for name in TABLE_ORDER}, mask))
        for name, rows in found.items():
            changes.add(name, "created", rows)
        rank = len(TABLE_ORDER)
    while rank < len(TABLE_ORDER):
        name = TABLE_ORDER[rank]
        rows = fetch(session, name, scope.in_scope(name, visits, who), mask, order=True,
                     limit=None if left is None else left + 1, after_id=after_id)
        if left is not None and len(rows) > left:
            rows = rows[:left]
            changes.add(name, "created", rows)
            page = (rank, rows[-1]["id"]) if rows else (rank, after_id)
            return {"changes": changes.finish(), "has_more": True,
                    "timestamp": cursors.save(session, snap, who.now, who.collector_id, page)}
        changes.add(name, "created", rows)
        if left is not None:
            left -= len(rows)
        rank, after_id = rank + 1, None
    return {"changes": changes.finish(), "has_more": False,
            "timestamp": cursors.save(session, snap, who.now)}


@functools.cache
def _first_sync_statement():
    """The one statement of a first sync, built once: the collector, the day and the visits'
    ids are its parameters (building its 22 scope subqueries cost ~8 ms a pull)."""
    who = Who(bindparam("fs_collector", type_=String), None, bindparam("fs_today", type_=Date))
    visits = select(func.unnest(text_array(key="fs_visits")))
    return select(*(rows_json(name, scope.in_scope(name, visits, who), order=True).label(name)
                    for name in TABLE_ORDER))


def _first_sync_rows(session, who: Who, mask) -> dict:
    ids = session.scalars(scope.current_visits(who))
    return fetch_statement(session, _first_sync_statement(), mask, {
        "fs_collector": who.collector_id, "fs_today": who.today,
        "fs_visits": array_literal(ids)})


def _cursor_and_news(session, who: Who, number: int):
    """The cursor a device sent back, and (PostgreSQL, in the same round trip) whether anything
    is new since it: a feed row after its snapshot, or a visit aged out of the device since
    its pull. SQLite: (row, None), the question asked by `_news` when it is needed."""
    if not cursors.is_postgres(session):
        return cursors.load(session, number), None
    got = session.execute(_cursor_and_news_statement(), {
        "cn_id": number, "cn_collector": who.collector_id,
        "cn_before": scope.closed_since(who)}).first() if cursors.issuable(number) else None
    if got is None:
        raise cursors.unknown()
    return got, got.news


@functools.cache
def _cursor_and_news_statement():
    """`_cursor_and_news` on PostgreSQL, built once (the values are parameters): most pulls
    find nothing new, and building the question cost as much as asking it."""
    row = SyncCursor.__table__
    aged = scope.aged_out_between(bindparam("cn_collector", type_=String),
                                  row.c.created_at - literal(scope.AGED_OUT_MARGIN, Interval()),
                                  bindparam("cn_before", type_=UTCDateTime()))
    news = or_(cursors.newer_than_row(row), exists(aged.correlate(row)))
    return select(row, news.label("news")).where(
        row.c.id == bindparam("cn_id", type_=BigInteger))


def _news(session, who, row, previous) -> bool:
    """SQLite: a feed row after the cursor, or a visit aged out since its pull."""
    floor, before = scope.aged_out_window(who, row.created_at)
    return bool(session.scalar(_news_statement(), {
        "nn_collector": who.collector_id, "nn_floor": floor, "nn_before": before,
        "nn_position": previous.position}))


@functools.cache
def _news_statement():
    """`_news`' question, built once (the values are parameters)."""
    after = SyncChange.seq > bindparam("nn_position", type_=BigInteger)
    aged = scope.aged_out_between(bindparam("nn_collector", type_=String),
                                  bindparam("nn_floor"), bindparam("nn_before"))
    return select(or_(exists().where(after), exists(aged)))


def _incremental(session, who: Who, row, previous, changes, mask) -> None:
    """Changed rows still in scope, whole subtrees of visits that arrived, tombstones."""
    query = scope.current_visits(who)
    current_ids = list(session.scalars(query))  # read once (bulk.materialize's reason)
    mine = VisitAssignee.user_id == who.collector_id
    reassigned = set(session.scalars(select(VisitAssignee.visit_id).where(
        mine, VisitAssignee.id.in_(cursors.changed_ids(session, previous, "visit_assignees")))))
    touched = set(session.scalars(select(VisitAssignee.visit_id).where(
        mine, VisitAssignee.visit_id.in_(cursors.changed_ids(session, previous, "visits")))))
    touched |= set(session.scalars(scope.aged_out_visits(who, row.created_at)))
    current = set(current_ids)
    arrived = sorted(reassigned & current) + _relinked(session, previous, current)
    gone = sorted((reassigned | touched) - current)
    since = who.local_date(row.created_at)
    new_day = since < who.today
    if is_postgres(session):  # one statement, built once per shape; values are parameters
        stmt, row_names, id_names = _incremental_statement(bool(arrived), bool(gone), new_day)
        found, gone_ids = run_reads(session, stmt, row_names, len(id_names), mask, {
            "inc_collector": who.collector_id, "inc_today": who.today, "inc_since": since,
            "inc_visits": array_literal(current_ids), "inc_arrived": array_literal(arrived),
            "inc_gone": array_literal(gone),
            **cursors.snapshot_params(previous, "inc_position", "inc_xip")})
    else:
        row_reads, id_reads = _reads(  # SQLite: a statement per read, the visits a subquery
            who, query, arrived or None, gone or None, since, new_day,
            lambda name: cursors.changed_ids(session, previous, name))
        found = [fetch(session, name, where, mask) for name, where in row_reads]
        gone_ids = [ids(session, name, where) for name, where in id_reads]
        row_names, id_names = [n for n, _ in row_reads], [n for n, _ in id_reads]
    for name, rows in zip(row_names, found, strict=True):
        changes.add(name, "updated", rows)
    for name, ids_ in zip(id_names, gone_ids, strict=True):
        changes.add(name, "deleted", ids_)
    mine = or_(SyncChange.collector_id.is_(None), SyncChange.collector_id == who.collector_id)
    for table_name, row_id in session.execute(select(SyncChange.table_name, SyncChange.row_id)
                                              .where(cursors.changed_after(session, previous),
                                                     SyncChange.op == "delete",
                                                     SyncChange.table_name.in_(TABLE_ORDER),
                                                     mine)):
        changes.add(table_name, "deleted", [row_id])


def _reads(who: Who, now_visits, arrived, gone, since, new_day: bool, changed_ids):
    """An incremental pull's reads, per table: (table, where) of rows to send (changed and in
    scope; the subtrees of visits that arrived; a new day's rows) and of ids that may have left
    the scope. `arrived` / `gone`: visit ids (a list or a subquery), or None when there are
    none; `changed_ids(table)`: the subquery of the table's ids changed after the cursor."""
    row_reads, id_reads = [], []
    for name in TABLE_ORDER:
        in_scope = scope.in_scope(name, now_visits, who)
        table = SYNC_TABLES[name].table
        changed = table.c.id.in_(changed_ids(name))
        row_reads.append((name, and_(changed, in_scope)))
        if arrived is not None:
            row_reads.append((name, scope.in_scope(name, arrived, who)))
        if SYNC_TABLES[name].day is not None and new_day:
            # A new day: its rows entered the scope at midnight, written before or after.
            row_reads.append((name, in_scope))
        stale = _stale(name, gone, changed, now_visits, who, since, new_day)
        if stale is not None:
            id_reads.append((name, and_(stale, not_(table.c.id.in_(
                select(table.c.id).where(in_scope))))))
    return row_reads, id_reads


@functools.cache
def _incremental_statement(arrived: bool, gone: bool, new_day: bool):
    """PostgreSQL: the incremental pull's reads as one statement, built once per shape (which
    of arrived / gone / a new day there are); the collector, the days, the visit ids and the
    cursor's snapshot are its parameters. Building its ~50 subqueries on every pull, and
    SQLAlchemy keying them for its cache, cost most of a busy server's CPU (bench.load)."""
    who = Who(bindparam("inc_collector", type_=String), None,
              bindparam("inc_today", type_=Date))

    def visits(key):
        return select(func.unnest(text_array(key=key)))

    after = cursors.changed_after_params("inc_position", "inc_xip")
    row_reads, id_reads = _reads(
        who, visits("inc_visits"), visits("inc_arrived") if arrived else None,
        visits("inc_gone") if gone else None, bindparam("inc_since", type_=Date), new_day,
        lambda name: cursors.changed_ids(None, None, name, after=after))
    return (reads_statement(row_reads, id_reads), [n for n, _ in row_reads],
            [n for n, _ in id_reads])


def _relinked(session, previous, current: set[str]) -> list[str]:
    """Current visits whose case gained a related party: resend their subtree."""
    if not current:
        return []
    debtors = select(PartyRelationship.debtor_id).where(PartyRelationship.id.in_(
        cursors.changed_ids(session, previous, "party_relationships")))
    return sorted(session.scalars(select(Visit.id).join(Case, Case.id == Visit.case_id).where(
        Visit.id.in_(current), Case.debtor_id.in_(debtors))))


def _stale(name, gone, changed, now_visits, who, since, new_day: bool):
    """Rows the device may hold that may have left its scope (checked against scope after)."""
    clauses = []
    spec = SYNC_TABLES[name]
    # A table keyed by a day: the device holds only rows of the days it pulled on (since..today).
    held = since if spec.day is not None else None
    if gone is not None:
        anchor = scope.anchored(name, gone, who, since=held)
        if anchor is not None:
            clauses.append(anchor)
    if spec.fact:
        # Facts this collector pushed after their visit moved on (work done offline before the
        # reassignment): stored, but no longer the device's to hold.
        clauses.append(and_(changed, spec.table.c.user_id == who.collector_id))
    if spec.day is not None:
        if new_day:  # the days before today leave; the same day, no row can
            clauses.append(scope.anchored(name, now_visits, who, since=since))
    elif spec.filtered:
        clauses.append(and_(changed, scope.anchored(name, now_visits, who)))
        if spec.dated:
            clauses.append(scope.anchored(name, now_visits, who, since=since))
    return or_(*clauses) if clauses else None


def _migration(session, who, migration: dict | None, changes, mask) -> None:
    """A migration pull: whole new tables (created) and whole tables with new columns."""
    if not migration:
        return
    visits = scope.current_visits(who)
    for name in migration.get("tables", []):
        changes.add(name, "created", fetch(session, name, scope.in_scope(name, visits, who),
                                           mask))
    for entry in migration.get("columns", []):
        name = entry["table"]
        if name in migration.get("tables", []):
            continue
        changes.add(name, "updated", fetch(session, name, scope.in_scope(name, visits, who),
                                           mask))
