"""`flask import cases FILE`: a summary with rejected rows; non-zero exit for a bad file."""

from __future__ import annotations

import json

from sqlalchemy import select

from server.extensions import db
from server.models import ImportRun
from tests.integration.imports.support import counts, make_lender
from tests.unit.imports.support import csv_text, row


def test_the_command_imports_a_file_and_lists_rejected_rows(app, runner, tmp_path):
    with app.app_context():
        make_lender()
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_text([row(1), row(2, due_since="yesterday"), row(3)]).encode("gbk"))
    result = runner.invoke(args=["import", "cases", str(path), "--lender", "LND"])
    assert result.exit_code == 0, result.output
    assert "rows: 3 total, 2 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "line 3: due_since: 'yesterday' is not a date" in result.output
    with app.app_context():
        assert counts()["accounts"] == 2
        assert db.session.scalar(select(ImportRun.report))["source"] == "cli"


def test_the_command_reads_json_and_finds_the_only_lender(app, runner, tmp_path):
    with app.app_context():
        make_lender()
    path = tmp_path / "cases.txt"
    path.write_text(json.dumps([row(1)]), encoding="utf-8")
    result = runner.invoke(args=["import", "cases", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output


def test_a_file_rejected_as_a_whole_exits_non_zero(app, runner, tmp_path):
    with app.app_context():
        make_lender()
    path = tmp_path / "cases.csv"
    path.write_bytes("案件编号,姓名\nC1,张三\n".encode("utf-16"))
    result = runner.invoke(args=["import", "cases", str(path), "--lender", "LND"])
    assert result.exit_code != 0
    assert "UTF-16" in result.output and "recorded as import" in result.output
