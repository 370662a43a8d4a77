"""Importing case files through the service: upserts by the lender's ids, never duplicates."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from server.errors import InvalidInput
from server.extensions import db
from server.imports import service
from server.models import (
    Account,
    Address,
    Agency,
    ContactPoint,
    ImportRun,
    Party,
    PartyRelationship,
    Placement,
    SyncChange,
)
from tests.integration.imports.support import counts, make_lender, run_import
from tests.support import factories
from tests.unit.imports.support import csv_text, row

THREE = csv_text([row(1, contact1_name="李四", contact1_relationship="配偶",
                      contact1_phone="13900139000"), row(2), row(3, work_address="浦东新区1号")])


def test_a_file_creates_debtors_cases_accounts_addresses_and_phones(app_ctx):
    make_lender()
    run = run_import(THREE)
    assert (run.status, run.total_rows, run.created_count, run.rejected_count) == (
        "completed", 3, 3, 0)
    assert counts() == {"parties": 4, "cases": 3, "accounts": 3, "addresses": 4,
                        "contact_points": 4, "relationships": 1, "placements": 0}
    address = db.session.scalar(select(Address).where(Address.kind == "work"))
    assert (address.verification_state, address.province) == ("unverified", None)
    account = db.session.scalar(select(Account).where(Account.external_id == "A1"))
    assert (account.outstanding, account.dpd, account.bucket) == (Decimal("8000.50"), 59, "M2")


def test_reimporting_the_same_file_changes_nothing_and_duplicates_nothing(app_ctx):
    make_lender()
    run_import(THREE)
    before = counts()
    again = run_import(THREE)
    assert counts() == before
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)


def test_a_changed_amount_updates_the_account_in_place(app_ctx):
    make_lender()
    run_import(THREE)
    changed = csv_text([row(1, outstanding="7000"), row(2), row(3, work_address="浦东新区1号")])
    run = run_import(changed)
    assert (run.created_count, run.updated_count, run.unchanged_count) == (0, 1, 2)
    amounts = db.session.scalars(select(Account.outstanding).where(Account.external_id == "A1"))
    assert list(amounts) == [Decimal("7000.00")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_excel_encodings_import_the_same_chinese_text(app_ctx, encoding):
    make_lender()
    run = run_import(THREE.encode(encoding))
    assert run.encoding == ("utf-8-sig" if encoding == "utf-8-sig" else "gb18030")
    names = set(db.session.scalars(select(Party.full_name)))
    assert names == {"张1", "张2", "张3", "李四"}
    work = db.session.scalar(select(Address.raw_text).where(Address.kind == "work"))
    assert work == "浦东新区1号"


def test_bad_rows_are_reported_by_line_while_good_rows_are_kept(app_ctx):
    make_lender()
    text = csv_text([row(1), row(2, principal="12,5x", due_since="2026-02-30"), row(3)])
    run = run_import(text)
    assert (run.created_count, run.rejected_count) == (2, 1)
    (rejected,) = run.report["rejected_rows"]
    assert rejected["line"] == 3 and rejected["account_id"] == "A2"
    assert set(rejected["errors"]) == {"principal", "due_since"}
    assert set(db.session.scalars(select(Account.external_id))) == {"A1", "A3"}


def test_an_account_given_twice_in_one_file_rejects_the_later_row(app_ctx):
    make_lender()
    run = run_import(csv_text([row(1), row(2), row(1, outstanding="9000")]))
    assert run.rejected_count == 1
    assert run.report["rejected_rows"][0]["errors"] == {
        "account_id": ["account A1 already appears on line 2"]}
    assert db.session.scalar(select(Account.outstanding)
                             .where(Account.external_id == "A1")) == Decimal("8000.50")


def test_one_case_may_cover_several_accounts_of_its_debtor_but_not_another_debtor(app_ctx):
    make_lender()
    text = csv_text([row(1), row(2, case_id="C1", debtor_id="D1", name="张1", national_id=""),
                     row(3, case_id="C1")])
    run = run_import(text)
    assert (run.created_count, run.rejected_count) == (2, 1)
    assert run.report["rejected_rows"][0]["errors"]["debtor_id"] == [
        "case C1 belongs to debtor D1 on line 2"]
    later = run_import(csv_text([row(4, case_id="C1")]))
    assert later.report["rejected_rows"][0]["errors"]["debtor_id"] == [
        "case C1 belongs to debtor D1"]


def test_a_person_given_twice_with_different_facts_rejects_the_later_row(app_ctx):
    make_lender()
    same_id = row(1)["national_id"]
    run = run_import(csv_text([row(1), row(2, debtor_id="D1", name="李1", national_id=same_id)]))
    assert run.report["rejected_rows"][0]["errors"] == {
        "name": ["person D1 is given with a different full_name on line 2"]}


def test_a_bad_row_reports_every_error_its_cells_and_its_ids_have(app_ctx, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)  # the earlier line sits in another chunk
    make_lender()
    run = run_import(csv_text([row(1), row(2), row(3), row(9, account_id="A1", outstanding="oops",
                                                         phones="123", agency_code="NOPE")]))
    (rejected,) = run.report["rejected_rows"]
    assert rejected["errors"] == {
        "outstanding": ["'oops' is not a number"], "phones": ["'123' is not a phone number"],
        "account_id": ["account A1 already appears on line 2"],
        "agency_code": ["no agency has the code 'NOPE'"]}


def test_rows_spread_over_chunks_are_checked_against_the_whole_file(app_ctx, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    make_lender()
    text = csv_text([row(1), row(2), row(3, case_id="C1", debtor_id="D1", name="张1",
                                          national_id=""), row(4), row(2, outstanding="1")])
    run = run_import(text)
    assert (run.created_count, run.rejected_count) == (4, 1)
    assert run.report["rejected_rows"][0]["line"] == 6
    assert counts()["cases"] == 3 and counts()["parties"] == 3


def test_a_missing_column_rejects_the_file_and_the_run_is_recorded(app_ctx):
    make_lender()
    text = csv_text([row(1)], header=("case_id", "debtor_id", "name", "principal"))
    text = "\n".join(",".join(line.split(",")[:4]) for line in text.splitlines())
    with pytest.raises(InvalidInput) as caught:
        run_import(text)
    assert caught.value.errors["missing_columns"] == ["account_id", "outstanding"]
    run = db.session.get(ImportRun, caught.value.errors["import_id"])
    assert run.status == "rejected" and "account_id" in run.report["error"]["message"]
    assert counts()["accounts"] == 0


def test_a_dry_run_counts_everything_and_writes_nothing(app_ctx):
    make_lender()
    run = run_import(THREE, dry_run=True)
    assert (run.dry_run, run.created_count) == (True, 3)
    assert run.report["tables"]["addresses"] == {"created": 4}
    assert counts()["accounts"] == 0
    assert db.session.scalar(select(SyncChange.seq)) is None


def test_an_import_after_a_dry_run_writes_what_the_dry_run_counted(app_ctx):
    make_lender()
    dry = run_import(THREE, dry_run=True)
    real = run_import(THREE)
    assert real.report["counts"] == dry.report["counts"]
    assert real.report["tables"] == dry.report["tables"]
    assert counts()["accounts"] == 3 and counts()["addresses"] == 4


def test_rows_no_device_can_hold_yet_are_not_noted_and_changes_are(app_ctx):
    make_lender()
    run_import(THREE)  # new cases: no visit points at them, so no device holds them yet
    assert db.session.scalar(select(SyncChange.seq)) is None
    run_import(csv_text([row(1, outstanding="7000"), row(2), row(3, work_address="浦东新区1号")]))
    changes = db.session.scalars(select(SyncChange).order_by(SyncChange.seq)).all()
    account = db.session.scalar(select(Account.id).where(Account.external_id == "A1"))
    assert [(c.table_name, c.row_id) for c in changes] == [("accounts", account)]


def test_new_rows_under_an_existing_case_are_noted(app_ctx):
    make_lender()
    run_import(csv_text([row(1)]))
    run_import(csv_text([row(1, phones="13800000001;13900000009", work_address="浦东新区1号",
                             contact1_name="李四", contact1_phone="13700000007"),
                         row(2, case_id="C1", debtor_id="D1", name="张1", national_id="",
                             home_address=row(1)["home_address"], phones="13800000001"),
                         row(3)]))
    noted = {(c.table_name, c.row_id) for c in db.session.scalars(select(SyncChange))}
    debtor = db.session.scalar(select(Party.id).where(Party.external_id == "D1"))
    contact = db.session.scalar(select(Party.id).where(Party.full_name == "李四"))
    expected = {
        ("accounts", db.session.scalar(select(Account.id).where(Account.external_id == "A2"))),
        ("addresses", db.session.scalar(select(Address.id).where(Address.kind == "work"))),
        ("parties", contact),
        ("party_relationships", db.session.scalar(select(PartyRelationship.id))),
        *(("contact_points", cid) for cid in db.session.scalars(select(ContactPoint.id).where(
            ContactPoint.value.in_(("13900000009", "13700000007"))))),
    }
    assert len(expected) == 6 and noted == expected  # nothing of the new case C3, D3
    assert debtor not in {row_id for _, row_id in noted}


def test_blank_cells_never_erase_and_a_vulnerable_flag_is_never_lowered(app_ctx):
    make_lender()
    run_import(csv_text([row(1, vulnerable="是")]))
    run_import(csv_text([row(1, vulnerable="否", national_id="", home_address="新地址1号")]))
    debtor = db.session.scalar(select(Party))
    assert debtor.vulnerable is True and debtor.national_id is not None
    texts = set(db.session.scalars(select(Address.raw_text)))
    assert texts == {"上海市黄浦区人民大道1号", "新地址1号"}  # earlier addresses are kept


def test_the_placement_agency_gets_one_open_placement(app_ctx):
    make_lender()
    agency = factories.agency(db.session, code="AGX")
    db.session.commit()
    run_import(csv_text([row(1, agency_code="AGX"), row(2, agency_code="NOPE")]))
    run = run_import(csv_text([row(1, agency_code="AGX")]))
    placements = db.session.scalars(select(Placement)).all()
    assert [p.agency_id for p in placements] == [agency.id]
    assert run.unchanged_count == 1


def test_an_unknown_agency_code_rejects_only_that_row(app_ctx):
    make_lender()
    run = run_import(csv_text([row(1, agency_code="NOPE"), row(2)]))
    assert run.report["rejected_rows"][0]["errors"] == {
        "agency_code": ["no agency has the code 'NOPE'"]}
    assert run.created_count == 1


def test_the_lender_must_be_a_known_lender_or_the_only_one(app_ctx):
    make_lender()
    assert run_import(THREE, lender=None).lender_id is not None
    with pytest.raises(InvalidInput, match="no lender has the code 'AGX'"):
        factories.agency(db.session, code="AGX")
        db.session.commit()
        run_import(THREE, lender="AGX")
    make_lender("LND2")
    with pytest.raises(InvalidInput, match="say which lender"):
        run_import(THREE, lender=None)
    assert db.session.scalar(select(Agency.id).where(Agency.code == "LND2"))


@pytest.mark.parametrize("name", ["cases_sample.csv", "cases_sample_gbk.csv"])
def test_the_documented_sample_files_import_cleanly(app_ctx, name):
    make_lender()
    sample = Path(__file__).resolve().parents[3] / "docs" / "samples" / name
    run = run_import(sample.read_bytes(), filename=name)
    assert (run.created_count, run.rejected_count, run.report["ignored_columns"]) == (3, 0, [])
    assert counts()["relationships"] == 3 and counts()["cases"] == 2
    wang = db.session.scalar(select(Party).where(Party.external_id == "CUST1002"))
    assert wang.vulnerable is True and wang.gender == "female"


def test_a_header_without_rows_completes_with_nothing_to_do(app_ctx):
    make_lender()
    run = run_import(csv_text([]))
    assert (run.status, run.total_rows) == ("completed", 0)


@pytest.mark.parametrize(("data", "message"), [
    ('{"cases": []}', 'a list of rows or {"rows": [...]}'),
    ("[{]", "the JSON is not valid"),
])
def test_json_that_is_not_a_list_of_rows_rejects_the_file(app_ctx, data, message):
    make_lender()
    with pytest.raises(InvalidInput, match=re.escape(message)):
        run_import(data, filename="cases.json")


def test_nul_in_column_names_and_ids_is_reported_not_a_crash_on_postgresql(app_ctx):
    make_lender()
    bad = {**row(1), "case_id": "C\x001", "odd\x00column": "x", "outstanding": "o\x00ps"}
    run = run_import(json.dumps([bad, row(2)]), filename="cases.json")
    assert (run.status, run.created_count, run.rejected_count) == ("completed", 1, 1)
    assert "odd\ufffdcolumn" in run.report["ignored_columns"]
    assert run.report["rejected_rows"][0]["case_id"] == "C\ufffd1"
