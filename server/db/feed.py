"""The change feed: every write to a table devices pull is noted in sync_changes.

ORM writes are noted automatically by a session hook; set-based writes (imports, jobs) call
`record_changes` with the ids they touched, in the same transaction. On PostgreSQL each note
carries the writing transaction's id, which is what lets a pull deliver changes committed out
of order (see server/sync/pull.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, cast, event, func, insert, literal_column
from sqlalchemy.orm import Session

from server.models.base import utcnow
from server.models.sync import SyncChange

# Tables whose rows travel to devices (server-owned master data, and facts whose state the
# server changes, like a promise becoming kept or broken).
FEED_TABLES = frozenset({
    "cases", "accounts", "parties", "party_relationships", "addresses", "contact_points",
    "opt_outs", "visits", "visit_assignees", "payment_promises", "payments", "check_ins",
    "visit_outcomes", "visit_notes", "consents", "address_reports", "attachments",
    "route_plans", "route_stops", "rule_profiles", "consent_texts", "case_requests",
    "call_logs", "selection_scores", "offer_requests", "payment_offers",
})


def _txid_expression(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return cast(literal_column("pg_current_xact_id()::text"), BigInteger)
    return None


def record_changes(session: Session, table: str, row_ids: Iterable[str], op: str = "upsert"):
    """Note that these rows of `table` changed (or were deleted, op='delete'), set-based."""
    record_many(session, {table: row_ids}, op)


def record_deletions(session: Session, table: str, rows: Iterable[tuple[str, str]]):
    """Note deleted rows that only one collector's devices held, as (row id, collector id): a pull
    sends each deletion to that collector only (other devices never held the rows)."""
    _record(session, [(table, row_id, collector) for row_id, collector in rows], "delete")


def record_many(session: Session, ids_by_table: dict[str, Iterable[str]], op: str = "upsert"):
    """Note changed rows of several tables in one statement."""
    _record(session, [(table, row_id, None) for table, ids in ids_by_table.items()
                      for row_id in ids], op)


def _record(session: Session, notes: list[tuple[str, str, str | None]], op: str) -> None:
    """Insert (table, row id, collector id or None) notes in one statement."""
    if not notes:
        return
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter per column instead of a VALUES row per id (server/db/bulk.py).
        session.connection().exec_driver_sql(
            "INSERT INTO sync_changes (txid, table_name, row_id, op, changed_at, collector_id)"
            " SELECT pg_current_xact_id()::text::bigint, t, r, %s, %s, a"
            " FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(t, r, a)",
            (op, utcnow(), [n[0] for n in notes], [n[1] for n in notes],
             [n[2] for n in notes]))
        return
    rows = [{"table_name": table, "row_id": row_id, "op": op, "collector_id": collector}
            for table, row_id, collector in notes]
    stmt = insert(SyncChange)
    txid = _txid_expression(session)
    if txid is not None:
        stmt = stmt.values(txid=txid)
    session.connection().execute(stmt, rows)


def record_from_select(session: Session, table: str, id_query: str, op: str = "upsert"):
    """Note the rows of `table` whose ids a SQL query selects, without shipping the ids.

    For bulk writers that staged their rows in the database (imports): the ids never travel
    as a parameter. `id_query` is trusted SQL selecting one column.
    """
    if session.get_bind().dialect.name != "postgresql":
        ids = session.connection().exec_driver_sql(id_query).scalars().all()
        record_changes(session, table, ids, op)
        return
    session.connection().exec_driver_sql(
        "INSERT INTO sync_changes (txid, table_name, row_id, op, changed_at)"
        " SELECT pg_current_xact_id()::text::bigint, %s, q.id, %s, %s"
        f" FROM ({id_query}) AS q(id)",
        (table, op, utcnow()))


def _note_flushed_rows(session: Session, flush_context) -> None:
    pending: dict[tuple[str, str], list[str]] = {}
    for op, objects in (("upsert", session.new), ("upsert", session.dirty),
                        ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table not in FEED_TABLES:
                continue
            if op == "upsert" and obj in session.dirty and not session.is_modified(obj):
                continue
            pending.setdefault((table, op), []).append(obj.id)
    for (table, op), ids in pending.items():
        record_changes(session, table, ids, op)


def install() -> None:
    """Hook every Session (Flask's and plain ones) once per process."""
    if not event.contains(Session, "after_flush", _note_flushed_rows):
        event.listen(Session, "after_flush", _note_flushed_rows)


def latest_seq(session: Session) -> int:
    """The highest change number noted so far (0 when none)."""
    return session.scalar(func.coalesce(func.max(SyncChange.seq), 0))


def record_joined(session: Session, table: str, joined_ids: str, separator: str,
                  op: str = "upsert"):
    """Note rows of `table` whose ids come as one `separator`-joined string (PostgreSQL).

    For bulk writers that note a subset of what they wrote (imports): an array parameter costs
    psycopg ~10 µs per element to quote, a string split server-side next to nothing.
    """
    session.connection().exec_driver_sql(
        "INSERT INTO sync_changes (txid, table_name, row_id, op, changed_at)"
        " SELECT pg_current_xact_id()::text::bigint, %s, u.id, %s, %s"
        " FROM unnest(string_to_array(%s, %s)) AS u(id)",
        (table, op, utcnow(), joined_ids, separator))
