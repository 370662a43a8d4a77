"""Background imports: the upload is kept in the database and the caller answered at once.

`queue_import` records the run (`queued`) with its file (`import_uploads`); `run_queued`
claims it (`running`), imports it exactly as a foreground import does, in one transaction, and
deletes the file. Progress (rows read of rows expected, and a heartbeat) is written on a
connection of its own while the import's transaction is open (PostgreSQL only: SQLite has one
writer at a time, so there a run shows queued, running, then its result). The API runs a queued
import in the same worker once its 202 has gone out; the `imports` job runs any queued import
that nobody started within a minute, marks a running import whose heartbeat stopped as
`failed` (its transaction rolled back with the process: nothing was written), and deletes the
files of finished runs.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from server.errors import InvalidInput
from server.imports.service import ImportRequest, import_cases, new_run, username
from server.imports.source import scan
from server.models import ImportRun, ImportUpload, utcnow
from server.unit_of_work import (
    SessionFactory,
    checkpoint,
    own_sessions,
    use_case,
    write_aside,
)

log = logging.getLogger("doorstep.imports")

QUEUED, RUNNING, FAILED = "queued", "running", "failed"
PICKUP_AFTER = timedelta(minutes=1)  # a queued import nobody started is run by the job
STALE_AFTER = timedelta(minutes=10)  # a running import silent this long was interrupted
HEARTBEAT_S = 1.0  # progress is written at most this often


def queue_import(session: Session, request: ImportRequest, content: bytes) -> ImportRun:
    """Record a background import and keep its file; the caller commits."""
    run = new_run(request, scan(io.BytesIO(content)))
    run.status, run.heartbeat_at = QUEUED, run.started_at
    run.report = {"source": request.source, "user": username(session, request.user_id),
                  "lender": request.lender_code}
    session.add(run)
    session.flush()
    session.add(ImportUpload(run_id=run.id, content=content, lender_code=request.lender_code,
                             file_format=request.file_format))
    return run


def run_queued(session_factory: SessionFactory | None, run_id: str) -> str | None:
    """Claim a queued import and run it; its final status, or None when someone else has it.

    Work off the request: each step is a use case on sessions of its own (the claim, the
    import, the file's deletion), so the caller's session holds nothing meanwhile (None:
    the app's engine)."""
    factory = session_factory or own_sessions()
    with use_case(factory) as session:
        request = _claim(session, run_id)
    if request is None:
        return None
    status = _run(factory, request)
    with use_case(factory) as session:
        session.execute(delete(ImportUpload).where(ImportUpload.run_id == run_id))
    return status


def _claim(session: Session, run_id: str) -> ImportRequest | None:
    claimed = session.execute(
        update(ImportRun).where(ImportRun.id == run_id, ImportRun.status == QUEUED)
        .values(status=RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    upload = session.get(ImportUpload, run_id)
    run = session.get(ImportRun, run_id)
    if claimed != 1 or upload is None or run is None:
        session.rollback()
        return None
    return ImportRequest(io.BytesIO(upload.content), run.filename, upload.lender_code,
                         upload.file_format, run.dry_run, run.user_id,
                         (run.report or {}).get("source", "api"),
                         progress=_progress_writer(session.get_bind(), run_id), run_id=run_id)


def _run(session_factory: SessionFactory, request: ImportRequest) -> str:
    try:
        with use_case(session_factory) as session:
            return import_cases(session, request).status
    except InvalidInput:  # the file as a whole: recorded as `rejected` by import_cases
        return "rejected"
    except Exception as exc:
        log.exception("background import %s failed", request.run_id)
        with use_case(session_factory) as session:
            _fail(session.get(ImportRun, request.run_id),
                  f"{type(exc).__name__}: {exc}"[:500], utcnow())
        return FAILED


def _fail(run: ImportRun, message: str, now: datetime) -> None:
    run.status, run.finished_at = FAILED, now
    run.report = {**(run.report or {}), "error": {"message": message}}


def _progress_writer(engine: Engine, run_id: str) -> Callable[[int, int], None] | None:
    """Write (rows done, rows expected) and a heartbeat on a connection of its own, at most
    once a second; None on SQLite, whose single writer is the import itself."""
    if engine.dialect.name != "postgresql":
        return None
    last = [0.0]

    def write(done: int, expected: int) -> None:
        if time.monotonic() - last[0] < HEARTBEAT_S:
            return
        last[0] = time.monotonic()
        try:
            write_aside(engine, update(ImportRun).where(ImportRun.id == run_id).values(
                rows_done=done, rows_expected=expected, heartbeat_at=utcnow()))
        except Exception:  # progress is a courtesy; the import goes on without it
            log.warning("could not write the progress of import %s", run_id, exc_info=True)

    return write


def sweep_imports(session: Session, now: datetime) -> dict:
    """The `imports` job: fail silent running imports, delete finished runs' files, and run
    the oldest queued import nobody started."""
    stale = session.scalars(select(ImportRun).where(
        ImportRun.status == RUNNING, ImportRun.heartbeat_at < now - STALE_AFTER)).all()
    for run in stale:
        _fail(run, "interrupted (the server stopped while importing); nothing was written: "
                   "upload the file again", now)
    session.flush()
    cleaned = session.execute(delete(ImportUpload).where(ImportUpload.run_id.in_(
        select(ImportRun.id).where(ImportRun.status.not_in((QUEUED, RUNNING))))
    ).execution_options(synchronize_session=False)).rowcount
    waiting = session.scalar(select(ImportRun.id).where(
        ImportRun.status == QUEUED, ImportRun.heartbeat_at < now - PICKUP_AFTER)
        .order_by(ImportRun.heartbeat_at).limit(1))
    checkpoint(session)  # nothing held while the import runs on sessions of its own
    ran = None
    if waiting is not None:
        ran = run_queued(sessionmaker(bind=session.get_bind()), waiting)
    return {"interrupted": len(stale), "files_deleted": cleaned, "ran": 1 if ran else 0}
