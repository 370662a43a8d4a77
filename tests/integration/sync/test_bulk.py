"""Set-based inserts: staging tables survive commits and are re-made after a rollback."""

from __future__ import annotations

from sqlalchemy import func, select

from server.db import bulk
from server.db.bulk import insert_rows
from server.models import Agency, new_id


def _agencies(n: int) -> list[dict]:
    return [{"id": new_id(), "code": f"B{new_id()[:8]}", "name": "bulk"} for _ in range(n)]


def _no_staging_tables(session) -> None:
    """Start from a connection without staging tables (PostgreSQL keeps temp tables per one)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("DISCARD TEMP")
        session.connection().connection.info.pop(bulk._STAGES, None)
    session.commit()


def _count(session, ids) -> int:
    return session.scalar(select(func.count()).select_from(Agency).where(Agency.id.in_(ids)))


def test_an_insert_after_a_rolled_back_one_still_finds_its_staging_table(session):
    _no_staging_tables(session)
    first = _agencies(3)
    insert_rows(session, Agency.__table__, first)  # creates the staging table …
    session.rollback()  # … which the rollback takes away (on PostgreSQL)
    second = _agencies(2)
    assert insert_rows(session, Agency.__table__, second, returning_ids=True) == {
        r["id"] for r in second}
    session.commit()
    assert _count(session, [r["id"] for r in first]) == 0
    assert _count(session, [r["id"] for r in second]) == 2


def test_a_rolled_back_savepoint_takes_its_staging_table_too(session):
    _no_staging_tables(session)
    nested = session.begin_nested()
    insert_rows(session, Agency.__table__, _agencies(1))
    nested.rollback()
    later = _agencies(1)
    insert_rows(session, Agency.__table__, later)
    session.commit()
    assert _count(session, [later[0]["id"]]) == 1


def test_rows_go_in_across_many_commits_on_one_connection(session):
    ids = []
    for _ in range(3):
        batch = _agencies(4)
        ids += [r["id"] for r in insert_rows(session, Agency.__table__, batch,
                                             returning_ids=True) and batch]
        session.commit()
    assert _count(session, ids) == 12


AWKWARD = ["plain", 'quo"te', "back\\slash", "com,ma", "{brace}", " lead space", "NULL", "",
           "中文", "semi;colon"]


def test_id_lists_reach_the_database_as_given_whatever_their_characters(session):
    """`in_values` / `materialize` send one array literal: quoting must survive every value."""
    rows = [{"id": value, "code": f"Q{i}", "name": "quoted"} for i, value in enumerate(AWKWARD)]
    insert_rows(session, Agency.__table__, rows)
    session.flush()
    wanted = AWKWARD[1:]  # all but the first
    found = set(session.scalars(select(Agency.id).where(
        bulk.in_values(session, Agency.id, wanted))))
    assert found == set(wanted)
    listed = bulk.materialize(session, select(Agency.id).where(Agency.name == "quoted"))
    assert set(session.scalars(select(Agency.id).where(Agency.id.in_(listed)))) == set(AWKWARD)
    session.rollback()
