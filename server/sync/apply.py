"""Set-based writes of a push: facts inserted once (ON CONFLICT DO NOTHING), then compared.

A fact whose id already exists is a replay when its digest matches (no-op) and a conflict for
a person when it does not (quarantine). Both databases do this in one multi-row statement per
table, so two identical pushes racing on PostgreSQL end with one row.
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint, literal, select, union_all, update
from sqlalchemy.orm import Session

from server.db.bulk import in_values, insert_rows
from server.db.feed import record_changes
from server.sync.tables import SYNC_TABLES
from server.sync.validate import Checked, Rejection


def stored_digests(session: Session, facts: dict[str, list[Checked]],
                   user_id: str) -> dict[tuple[str, str], str]:
    """{(table, id): digest} of the given facts that this user already stored, in one query."""
    parts = []
    for name, rows in facts.items():
        if rows:
            table = SYNC_TABLES[name].table
            parts.append(select(literal(name).label("t"), table.c.id, table.c.digest).where(
                in_values(session, table.c.id, [r.row_id for r in rows]),
                table.c.user_id == user_id))
    if not parts:
        return {}
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    return {(t, row_id): value for t, row_id, value in session.connection().execute(stmt)}


def insert_ignoring_duplicates(session: Session, name: str, rows: list[dict]) -> set[str]:
    """Insert rows, skipping any that clash with an existing key; returns the inserted ids.

    The inserted rows are noted in the change feed by the same statement.
    """
    return insert_rows(session, SYNC_TABLES[name].table, rows, ignore_conflicts=True,
                       returning_ids=True, note_changes=True)


def insert_facts(session: Session, name: str, rows: list[Checked]) -> tuple[list[Checked],
                                                                           list[Rejection]]:
    """Insert new facts of one table, noted in the change feed; returns (inserted, replays)."""
    inserted_ids = insert_ignoring_duplicates(session, name, [r.values for r in rows])
    rest = [r for r in rows if r.row_id not in inserted_ids]
    rejected: list[Rejection] = []
    if rest:
        table = SYNC_TABLES[name].table
        stored = dict(session.execute(select(table.c.id, table.c.digest).where(
            in_values(session, table.c.id, [r.row_id for r in rest]))).all())
        for row in rest:
            if row.row_id not in stored:
                rejected.append(Rejection(name, row.row_id, row.operation, "duplicate_value",
                                          _clash_errors(table), row.raw))
            elif stored[row.row_id] != row.digest:
                rejected.append(Rejection(name, row.row_id, row.operation, "id_conflict", {
                    "id": ["a different fact with this id is already stored; facts are "
                           "never overwritten"]}, row.raw))
    return [r for r in rows if r.row_id in inserted_ids], rejected


def _clash_errors(table) -> dict:
    """Name the device's columns of the table's unique keys (payments: receipt_no, unique per
    lender); a row that is no replay and was not stored clashed on one of them."""
    keys = [index.columns for index in table.indexes if index.unique] + [
        c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
    named = sorted({col.name for cols in keys for col in cols} & set(
        SYNC_TABLES[table.name].columns) - {"id"})
    message = "clashes with another stored row: the same " + (" / ".join(named) or "key")
    return {col: [message] for col in named} or {"row": [message]}


def update_server_rows(session: Session, name: str, rows: list[Checked], now) -> None:
    """Apply the whitelisted columns devices may change on server-owned rows."""
    table = SYNC_TABLES[name].table
    for row in rows:
        values = {c: row.values[c] for c in row.extra["columns"]}
        if "updated_at" in table.c:
            values["updated_at"] = now
        session.execute(update(table).where(table.c.id == row.row_id).values(**values))
    record_changes(session, name, [r.row_id for r in rows])
