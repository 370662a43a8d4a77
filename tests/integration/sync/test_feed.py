"""Writes to synced tables are noted in the change feed, with the transaction id on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from server.db.feed import latest_seq, record_changes
from server.models import SyncChange, Visit, VisitStatus
from tests.support import factories


def test_creating_and_updating_a_visit_notes_both_changes(session):
    _, visit = factories.case_with_visit(session)
    session.commit()
    before = latest_seq(session)
    visit.status = VisitStatus.CANCELLED
    session.commit()
    notes = session.execute(
        select(SyncChange.table_name, SyncChange.row_id, SyncChange.op)
        .where(SyncChange.seq > before)).all()
    assert notes == [("visits", visit.id, "upsert")]


def test_deleting_a_row_notes_a_tombstone(session):
    _, visit = factories.case_with_visit(session)
    session.commit()
    noted_tables = session.scalars(
        select(SyncChange.table_name).where(SyncChange.row_id == visit.id)).all()
    assert "visits" in noted_tables
    session.delete(session.get(Visit, visit.id))
    session.commit()
    last = session.scalar(select(SyncChange).order_by(SyncChange.seq.desc()).limit(1))
    assert (last.table_name, last.row_id, last.op) == ("visits", visit.id, "delete")


def test_tables_devices_never_pull_are_not_noted(session):
    factories.user(session, role="dispatcher")
    session.commit()
    tables = set(session.scalars(select(SyncChange.table_name)).all())
    assert "users" not in tables and "auth_tokens" not in tables


def test_set_based_writes_note_all_their_ids_in_one_statement(session, backend):
    record_changes(session, "visits", ["a", "b", "c"])
    session.commit()
    rows = session.scalars(select(SyncChange).order_by(SyncChange.seq)).all()
    assert [r.row_id for r in rows] == ["a", "b", "c"]
    if backend == "postgresql":
        assert len({r.txid for r in rows}) == 1 and rows[0].txid > 0
    else:
        assert rows[0].txid is None
