"""A file gives the same rows and the same report whatever the chunk size.

Chunks are planned while the previous one is being written (writer.ChunkWriter): what a
chunk reads is laid over with what the previous chunk will write. Small chunks put debtors,
cases and related parties across chunk boundaries, so any gap in that overlay shows here.
"""

from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sa_text
from sqlalchemy.orm import aliased

from server.extensions import db
from server.imports import service, staging, writer
from server.models import (
    Account,
    Address,
    Agency,
    Case,
    ContactPoint,
    Party,
    PartyRelationship,
    Placement,
)
from tests.integration.imports.support import make_lender, run_import
from tests.support import factories
from tests.unit.imports.support import cn_id, csv_text

COLUMNS = ("case_id", "account_id", "debtor_id", "name", "national_id", "principal",
           "outstanding", "overdue_amount", "due_since", "dpd", "home_address", "phones",
           "vulnerable", "jurisdiction", "agency_code", "contact1_id", "contact1_name",
           "contact1_relationship", "contact1_phone", "contact2_name", "contact2_phone")


def _rows(seed: int, accounts: str = "A", count: int = 120) -> list[dict]:
    """Debtors with accounts spread over the file, facts given late, shared related parties."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        debtor = rng.randrange(count // 3)
        row = {
            "case_id": f"C{debtor}" if rng.random() < 0.8 else f"C{debtor}-{n % 2}",
            "account_id": f"{accounts}{n}", "debtor_id": f"D{debtor}", "name": f"张{debtor}",
            "national_id": cn_id(sequence=f"{debtor:03d}") if rng.random() < 0.5 else "",
            "principal": str(rng.randrange(1000, 9000)),
            "outstanding": f"{rng.randrange(100, 900)}.{rng.randrange(100):02d}",
            "overdue_amount": rng.choice(("", "50")),
            "due_since": rng.choice(("", "2026-10-01", "2026-07-15")),
            "dpd": rng.choice(("", "30")),
            "home_address": f"上海市黄浦区人民大道{debtor if rng.random() < 0.8 else n}号",
            "phones": ";".join(f"138{rng.randrange(50):08d}" for _ in range(rng.randrange(3))),
            "vulnerable": rng.choice(("", "", "是", "否")),
            # one per debtor: within a chunk a case takes its first row's (a later chunk's
            # rows update it), so a varying one would depend on where chunks end
            "jurisdiction": "CN-31" if debtor % 5 == 0 else "",
            "agency_code": rng.choice(("", "", "AGX")),
        }
        if rng.random() < 0.4:  # a related party who is another debtor of the file
            other = rng.randrange(count // 3)
            row |= {"contact1_id": f"D{other}", "contact1_name": f"张{other}",
                    "contact1_relationship": ("配偶", "担保人", "朋友")[(debtor + other) % 3],
                    "contact1_phone": f"139{other:08d}"}
        if rng.random() < 0.5:
            row |= {"contact2_name": rng.choice(("李四", "王五")),
                    "contact2_phone": f"137{rng.randrange(20):08d}"}
        rows.append(row)
    return rows


def _state(lender_id: str) -> dict:
    """Every imported row by natural keys (ids differ from one import to the other); a row
    written twice shows twice."""
    s, debtor, party = db.session, aliased(Party), aliased(Party)
    of_lender = Party.lender_id == lender_id
    return {
        "parties": sorted(s.execute(select(
            Party.external_id, Party.full_name, Party.national_id, Party.gender,
            Party.birth_date, Party.vulnerable).where(of_lender))),
        "cases": sorted(s.execute(select(Case.external_id, Party.external_id, Case.jurisdiction)
                               .join(Party, Party.id == Case.debtor_id).where(of_lender))),
        "accounts": sorted(s.execute(select(
            Account.external_id, Case.external_id, Account.principal, Account.outstanding,
            Account.overdue_amount, Account.due_since, Account.dpd, Account.bucket,
            Account.product, Account.currency).join(Case, Case.id == Account.case_id)
            .where(Account.lender_id == lender_id))),
        "relationships": sorted(s.execute(select(
            debtor.external_id, party.external_id, PartyRelationship.relationship,
            PartyRelationship.debt_related)
            .join(debtor, debtor.id == PartyRelationship.debtor_id)
            .join(party, party.id == PartyRelationship.party_id)
            .where(debtor.lender_id == lender_id))),
        "addresses": sorted(s.execute(select(Party.external_id, Address.kind, Address.raw_text)
                                   .join(Party, Party.id == Address.party_id).where(of_lender))),
        "contact_points": sorted(s.execute(select(Party.external_id, ContactPoint.channel,
                                               ContactPoint.value)
                                        .join(Party, Party.id == ContactPoint.party_id)
                                        .where(of_lender))),
        "placements": sorted(s.execute(select(Case.external_id, Agency.code).select_from(Placement)
                                    .join(Case, Case.id == Placement.case_id)
                                    .join(Agency, Agency.id == Placement.agency_id)
                                    .where(Case.lender_id == lender_id))),
    }


def _report(run, keys) -> dict:
    return {key: run.report[key] for key in keys}


def _one_at_a_time(monkeypatch) -> None:
    """Each chunk written before the next one is read: no overlay needed."""
    add = writer.ChunkWriter.add

    def add_and_write(self, rows):
        add(self, rows)
        self.finish()

    monkeypatch.setattr(writer.ChunkWriter, "add", add_and_write)


def test_small_chunks_import_what_one_chunk_imports(app_ctx, monkeypatch):
    factories.agency(db.session, code="AGX")
    small, serial, whole = make_lender("SMALL"), make_lender("SERIAL"), make_lender("WHOLE")
    # The second file: changed and new accounts of the same debtors, three given twice.
    first = csv_text(_rows(1), COLUMNS)
    second = csv_text([row | {"outstanding": "999.99"} if n % 4 == 0 else row
                       for n, row in enumerate(_rows(1)[40:])] + _rows(2, "B")
                      + _rows(1)[50:53], COLUMNS)
    seen = []
    for text in (first, second, first):
        with monkeypatch.context() as patch:
            patch.setattr(service, "CHUNK_ROWS", 7)
            by_sevens = run_import(text, lender="SMALL")
            _one_at_a_time(patch)
            in_turn = run_import(text, lender="SERIAL")
        at_once = run_import(text, lender="WHOLE")
        # Table counts are per chunk (a case on two chunks is counted in both).
        assert _report(by_sevens, ("counts", "tables", "rejected_rows")) == _report(
            in_turn, ("counts", "tables", "rejected_rows"))
        # Rejections are listed chunk by chunk (file-level ones first): compare them by line.
        # (Row counts may differ: a new phone of a debtor on rows in two chunks makes the first
        # row wanting it in each chunk "updated".)
        assert sorted(by_sevens.report["rejected_rows"], key=lambda r: r["line"]) == sorted(
            at_once.report["rejected_rows"], key=lambda r: r["line"])
        assert _state(small) == _state(serial) == _state(whole)
        seen.append(by_sevens.report["counts"])
    assert [(c["created"] > 0, c["updated"] > 0) for c in seen] == [
        (True, False), (True, True), (False, True)]
    assert seen[1]["rejected"] >= 3


def test_a_failing_write_fails_the_import_and_leaves_nothing(app_ctx, monkeypatch):
    make_lender()
    monkeypatch.setattr(service, "CHUNK_ROWS", 7)
    calls = []
    run_jobs = writer.run_jobs

    def fail_third(session, jobs):
        calls.append(len(jobs))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        run_jobs(session, jobs)

    monkeypatch.setattr(writer, "run_jobs", fail_third)
    with pytest.raises(RuntimeError, match="went away"):
        run_import(csv_text(_rows(3), COLUMNS))
    db.session.rollback()
    assert len(calls) == 3  # nothing was sent after the failure
    assert db.session.scalar(select(func.count()).select_from(Party)) == 0


def test_tables_without_planner_statistics_are_analysed_once(app_ctx, backend):
    if backend != "postgresql":
        pytest.skip("SQLite plans without statistics")
    with db.engine.connect() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS stats_probe")
        connection.exec_driver_sql("CREATE TABLE stats_probe AS SELECT generate_series(1, 500) n")
        connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")  # flushed when idle
        connection.commit()
    try:
        assert staging.refresh_statistics(db.session, ["stats_probe"]) == ["stats_probe"]
        assert staging.refresh_statistics(db.session, ["stats_probe"]) == []
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE stats_probe")


def test_an_import_analyses_the_tables_it_filled(app_ctx, backend):
    if backend != "postgresql":
        pytest.skip("SQLite plans without statistics")
    make_lender()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Whatever earlier tests left in the statistics: the tables are known empty now, so the
        # ~130 cases below are past the staleness threshold (50 rows + 10 %) whatever ran before.
        connection.exec_driver_sql("ANALYZE parties, accounts, cases")
    before = db.session.scalar(sa_text("SELECT clock_timestamp()"))
    db.session.rollback()
    # committed: the tables now differ from their stats
    run_import(csv_text(_rows(4, count=400), COLUMNS))
    db.session.rollback()
    wanted = {"parties", "accounts", "cases"}
    analysed: set[str] = set()
    for _ in range(150):  # a backend reports its row counts within a second or so of idling
        analysed |= set(staging.refresh_statistics(db.session, writer.TABLES))
        # autovacuum may analyse a table first under load: that analysis counts as well
        analysed |= _analysed_since(wanted, before)
        if wanted <= analysed:
            break
        time.sleep(0.1)
    assert wanted <= analysed


def _analysed_since(tables: set[str], since) -> set[str]:
    rows = db.session.execute(sa_text(
        "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(:names)"
        " AND greatest(last_analyze, last_autoanalyze) >= :since"),
        {"names": sorted(tables), "since": since}).scalars().all()
    db.session.rollback()
    return set(rows)
