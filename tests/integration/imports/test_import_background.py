"""Background imports: 202 at once, the import after the answer, progress and the report on
the run; the `imports` job runs what nobody started and fails what was interrupted."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from server.extensions import db
from server.imports import ImportRequest, background, service
from server.models import Account, ImportRun, ImportUpload, utcnow
from tests.integration.imports.support import counts, make_lender
from tests.support import factories
from tests.support.api import bearer, login
from tests.unit.imports.support import csv_text, row

FILE = csv_text([row(1), row(2, outstanding="oops"), row(3)]).encode("gbk")


def _importer(app, client) -> dict:
    with app.app_context():
        make_lender()
        name = factories.user(db.session, role="lender_ops").username
        db.session.commit()
    return bearer(login(client, name))


def _upload(client, headers, data: bytes = FILE, **form):
    return client.post("/api/v1/imports", headers=headers,
                       data={"file": (io.BytesIO(data), "cases.csv"), "lender": "LND", **form},
                       content_type="multipart/form-data")


def _uploads() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportUpload))


def test_a_background_import_answers_202_then_reports_what_a_foreground_one_does(app, client):
    headers = _importer(app, client)
    queued = _upload(client, headers, background="true")
    assert queued.status_code == 202, queued.get_json()
    body = queued.get_json()
    assert body["status"] == "queued" and body["progress"]["rows_expected"] == 3
    assert queued.headers["Location"].endswith(f"/api/v1/imports/{body['id']}")
    # The test client closes the response as a WSGI server does: the import has run.
    done = client.get(queued.headers["Location"], headers=headers).get_json()
    assert done["status"] == "completed"
    assert done["counts"] == {"total": 3, "created": 2, "updated": 0, "unchanged": 0,
                              "rejected": 1}
    assert done["progress"]["rows_done"] == done["progress"]["rows_expected"] == 3
    assert [r["line"] for r in done["rejected_rows"]] == [3]
    assert (done["lender"], done["source"], done["encoding"]) == ("LND", "api", "gb18030")
    with app.app_context():
        assert counts()["accounts"] == 2 and _uploads() == 0
    again = _upload(client, headers)  # the same file in the foreground changes nothing
    assert again.status_code == 201 and again.get_json()["counts"]["unchanged"] == 2


def test_a_background_file_rejected_as_a_whole_is_a_rejected_run(app, client):
    headers = _importer(app, client)
    queued = _upload(client, headers, data=b"case_id,name\nC1,x\n", background="true")
    assert queued.status_code == 202
    done = client.get(queued.headers["Location"], headers=headers).get_json()
    assert done["status"] == "rejected" and "missing_columns" in done["error"]["errors"]
    with app.app_context():
        assert _uploads() == 0 and db.session.scalar(select(func.count()).select_from(
            Account)) == 0


def test_another_agencys_dispatcher_cannot_follow_the_run(app, client):
    queued = _upload(client, _importer(app, client), background="true")
    with app.app_context():
        other = factories.user(db.session, role="dispatcher",
                               team_row=factories.team(db.session)).username
        db.session.commit()
    response = client.get(queued.headers["Location"], headers=bearer(login(client, other)))
    assert response.status_code == 404


def _queue(session, data: bytes = FILE, lender: str = "LND") -> str:
    run = background.queue_import(session, ImportRequest(io.BytesIO(data), "cases.csv",
                                                         lender), data)
    run_id = run.id
    session.commit()  # and nothing read after it: SQLite would hold a lock for this session
    return run_id


def test_a_queued_import_runs_once_and_its_file_is_deleted(app_ctx):
    make_lender()
    run_id = _queue(db.session)
    factory = sessionmaker(bind=db.engine)
    assert background.run_queued(factory, run_id) == "completed"
    assert background.run_queued(factory, run_id) is None  # claimed once only
    db.session.expire_all()
    assert db.session.get(ImportRun, run_id).created_count == 2 and _uploads() == 0


def test_an_import_that_fails_is_recorded_as_failed_with_nothing_written(app_ctx, monkeypatch):
    make_lender()
    run_id = _queue(db.session)

    def broken(writer, rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "write_chunk", broken)
    assert background.run_queued(sessionmaker(bind=db.engine), run_id) == "failed"
    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    assert run.status == "failed" and "disk full" in run.report["error"]["message"]
    assert counts()["accounts"] == 0 and _uploads() == 0


def test_the_imports_job_runs_what_nobody_started_and_fails_what_stopped(app_ctx):
    make_lender()
    waiting, stopped, fresh = _queue(db.session), _queue(db.session), _queue(db.session)
    now = utcnow()
    db.session.get(ImportRun, waiting).heartbeat_at = now - timedelta(minutes=2)
    run = db.session.get(ImportRun, stopped)
    run.status, run.heartbeat_at = "running", now - timedelta(minutes=11)
    db.session.commit()  # `fresh` was just queued: its own worker is about to run it

    assert background.sweep_imports(db.session, now) == {
        "interrupted": 1, "files_deleted": 1, "ran": 1}
    db.session.expire_all()
    statuses = {i: db.session.get(ImportRun, i).status for i in (waiting, stopped, fresh)}
    assert statuses == {waiting: "completed", stopped: "failed", fresh: "queued"}
    assert "upload the file again" in db.session.get(ImportRun, stopped).report["error"][
        "message"]
    assert set(db.session.scalars(select(ImportUpload.run_id))) == {fresh}


def test_progress_is_visible_to_others_while_the_import_runs(app_ctx, backend, monkeypatch):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: the import itself")
    make_lender()
    data = csv_text([row(n) for n in range(1, 31)]).encode()
    run_id = _queue(db.session, data)
    monkeypatch.setattr(service, "CHUNK_ROWS", 7)
    monkeypatch.setattr(background, "HEARTBEAT_S", 0.0)
    seen = []
    write_chunk = service.write_chunk

    def watched(writer, rows):
        write_chunk(writer, rows)
        with db.engine.connect() as other:  # what anyone else sees mid-import
            seen.append(tuple(other.execute(text(
                "SELECT status, rows_done, rows_expected FROM import_runs WHERE id = :id"),
                {"id": run_id}).one()))

    monkeypatch.setattr(service, "write_chunk", watched)
    assert background.run_queued(sessionmaker(bind=db.engine), run_id) == "completed"
    assert {status for status, _, _ in seen} == {"running"}
    # Rows planned so far, written after each chunk is handed over; planning runs one chunk
    # behind the reading (writer.ChunkWriter), so chunk k's row count shows from chunk k+2.
    assert [done for _, done, _ in seen] == [0, 0, 7, 14, 21]
    assert {expected for _, _, expected in seen} == {30}
    db.session.expire_all()
    assert db.session.get(ImportRun, run_id).rows_done == 30
