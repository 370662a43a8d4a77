"""Imports from the console: upload, background run with progress, report, rejected-rows CSV."""

from __future__ import annotations

import csv
import io

from server.extensions import db
from server.imports.rejected_csv import rejected_rows_csv
from server.models import ImportRun
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.imports.support import make_lender
from tests.support import factories
from tests.unit.imports.support import csv_text, row

FILE = csv_text([row(1), row(2, outstanding="oops"), row(3, principal="-5")]).encode()


def _ops(app) -> str:
    with app.app_context():
        make_lender()
        name = factories.user(db.session, role="lender_ops").username
        db.session.commit()
    return name


def _upload(console, data=FILE, **form):
    token = csrf_of(console.get("/console/imports").get_data(as_text=True))
    return console.post("/console/imports", data={
        "csrf_token": token, "file": (io.BytesIO(data), "cases.csv"), "lender": "LND", **form},
        content_type="multipart/form-data")


def test_a_small_upload_is_imported_at_once_and_reports_its_rejected_rows(app, console):
    sign_in(console, _ops(app))

    answer = _upload(console)
    report = console.get(answer.headers["Location"]).get_data(as_text=True)
    download = console.get(answer.headers["Location"] + "/rejected.csv")

    assert answer.status_code == 302
    with app.app_context():
        run = db.session.get(ImportRun, answer.headers["Location"].rsplit("/", 1)[1])
        assert (run.status, run.created_count, run.rejected_count) == ("completed", 1, 2)
    assert 'data-status="completed"' in report and 'id="rejected-csv"' in report
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["line", "case_id", "account_id", "debtor_id", "column", "problem"]
    assert sorted((line[0], line[4]) for line in lines[1:]) == [("3", "outstanding"),
                                                                 ("4", "principal")]


def test_a_large_upload_runs_in_the_background(app, console, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_BACKGROUND_LINES", 1)
    sign_in(console, _ops(app))

    answer = _upload(console)

    with app.app_context():
        run = db.session.get(ImportRun, answer.headers["Location"].rsplit("/", 1)[1])
        assert run.report["source"] == "console"
        assert (run.status, run.rejected_count) == ("completed", 2)  # ran after the answer


def test_a_page_asked_by_htmx_while_running_polls_itself(app, console):
    sign_in(console, _ops(app))
    with app.app_context():
        run = ImportRun(file_sha256="0" * 64, file_format="csv", status="running",
                        rows_expected=100, rows_done=40, user_id=None)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    with app.app_context():
        admin_name = factories.user(db.session, role="admin").username
        db.session.commit()
    sign_in(console, admin_name)

    fragment = console.get(f"/console/imports/{run_id}", headers={"HX-Request": "true"})

    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'hx-trigger="every 1s"' in html
    assert 'max="100" value="40"' in html


def test_collectors_may_not_import_and_an_upload_needs_a_file(app, console):
    name = _ops(app)
    with app.app_context():
        collector = factories.user(db.session, role="collector").username
        db.session.commit()
    sign_in(console, collector)
    assert console.get("/console/imports").status_code == 403
    sign_in(console, name)
    token = csrf_of(console.get("/console/imports").get_data(as_text=True))

    empty = console.post("/console/imports", data={"csrf_token": token})

    assert empty.status_code == 422 and "file" in empty.get_data(as_text=True)


def test_the_rejected_rows_csv_defuses_spreadsheet_formulas():
    text = rejected_rows_csv([{"line": 2, "case_id": "=HYPERLINK(\"x\")",
                               "errors": {"name": ["@SUM(A1)"]}}])

    assert text.startswith("\ufeff")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
