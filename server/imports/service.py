"""Use cases: import a lender's case file; read the reports of earlier imports."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.clock import OPERATION_ZONE
from server.errors import InvalidInput, NotFound
from server.imports.admission import file_errors
from server.imports.fastrows import validate_rows
from server.imports.prefetch import ahead
from server.imports.readers import CsvRows, JsonRows, RawRow
from server.imports.report import Report
from server.imports.rows import ImportRow
from server.imports.scope import import_scope
from server.imports.source import Scan, SourceInfo, detect, open_text, scan
from server.imports.writer import ChunkWriter, Context
from server.models import Agency, AgencyKind, ImportRun, User, utcnow
from server.unit_of_work import keep_and_raise

CHUNK_ROWS = 2000
LENDER_TIME_ZONE = ZoneInfo(OPERATION_ZONE)  # dpd counts days as the lender's calendar does


@dataclass(frozen=True)
class ImportRequest:
    """One file to import, and how."""

    stream: BinaryIO  # seekable; read twice (hash and encoding, then rows)
    filename: str | None = None
    lender_code: str | None = None
    file_format: str | None = None  # csv, json, or None to tell from the name or content
    dry_run: bool = False
    user_id: str | None = None
    source: str = "api"
    as_of: date | None = None  # the day dpd is counted to; today in China by default
    progress: Callable[[int, int], None] | None = None  # (rows done, rows expected)
    run_id: str | None = None  # a queued background import's run (server/imports/background.py)


def import_cases(session: Session, request: ImportRequest) -> ImportRun:
    """Import a case file in one unit of work; a file rejected as a whole is recorded, then
    raised (`keep_and_raise`)."""
    report = Report()
    found = scan(request.stream)
    # Built apart from the session and written in the final commit only: a background import's
    # run row is meanwhile updated with its progress on another connection (background.py).
    run = new_run(request, found)
    details = {"source": request.source, "user": username(session, request.user_id)}
    try:
        lender = resolve_lender(session, request.lender_code)
        run.lender_id, details["lender"] = lender.id, lender.code
        info = detect(request.stream, found, request.filename, request.file_format)
        run.encoding, run.file_format = info.encoding, info.file_format
        with _collector_paused():
            _import(session, lender, info, request, report, found.lines - 1)
    except InvalidInput as exc:
        session.rollback()
        _finish(run, report, "rejected", details | {"error": {"message": exc.message,
                                                              "errors": exc.errors}})
        run = _record(session, run, request)
        _audit(session, run, request)
        exc.errors = {**(exc.errors or {}), "import_id": run.id}
        keep_and_raise(session, exc)
    if request.dry_run:
        session.rollback()  # everything was written and checked; keep only the report
        report.cases = {"created": {}, "updated": {}}  # their ids were rolled back too
    _finish(run, report, "completed", details)
    run = _record(session, run, request)
    _audit(session, run, request)
    return run


def _audit(session: Session, run: ImportRun, request: ImportRequest) -> None:
    """Who imported what, with what outcome: an import writes lender master data."""
    session.flush()  # the run's id
    tables = (run.report or {}).get("tables", {})
    audit.record(session, request.user_id, "import.run", "import_run", run.id, {
        "status": run.status, "dry_run": run.dry_run, "lender": (run.report or {}).get("lender"),
        "file_sha256": run.file_sha256, "source": request.source,
        "counts": (run.report or {}).get("counts"), "placements": tables.get("placements")})


def _record(session: Session, run: ImportRun, request: ImportRequest) -> ImportRun:
    """Add a new run, or write the outcome over a queued one's row."""
    if request.run_id:
        return session.merge(run)
    session.add(run)
    return run


def new_run(request: ImportRequest, found: Scan) -> ImportRun:
    """The record of an import of this file (not added to any session)."""
    return ImportRun(id=request.run_id, user_id=request.user_id, started_at=utcnow(),
                     filename=(request.filename or "")[:255] or None, file_sha256=found.sha256,
                     file_format=(request.file_format or "?")[:8], dry_run=request.dry_run,
                     rows_expected=max(found.lines - 1, 0))


def resolve_lender(session: Session, code: str | None) -> Agency:
    """The lender agency by code (or the only lender there is), locked against a parallel import."""
    if code:
        lender = session.scalar(select(Agency).where(Agency.code == code,
                                                     Agency.kind == AgencyKind.LENDER))
        if lender is None:
            raise InvalidInput(f"no lender has the code {code!r}",
                               {"lender": [f"no lender has the code {code!r}"]})
    else:
        lenders = session.scalars(select(Agency).where(Agency.kind == AgencyKind.LENDER)
                                  .limit(2)).all()
        if len(lenders) != 1:
            raise InvalidInput("say which lender the file comes from",
                               {"lender": ["Missing data for required field."]})
        lender = lenders[0]
    # Two imports for one lender would race on the same external ids; the second one waits.
    session.execute(select(Agency.id).where(Agency.id == lender.id).with_for_update())
    return lender


_paused = 0  # imports running with the cyclic garbage collector paused (this process)
_paused_lock = threading.Lock()
_resume = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while imports run (refcounting goes on).

    An import keeps hundreds of thousands of rows, records and ids alive at a time; each full
    collection walks all of them, which was a quarter of an import's Python time (see
    docs/decisions.md). An import makes next to no reference cycles; the collector resumes
    when the last running import ends.
    """
    global _paused, _resume
    with _paused_lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


def _import(session: Session, lender: Agency, info: SourceInfo, request: ImportRequest,
            report: Report, expected: int) -> None:
    text = open_text(request.stream, info.encoding)
    try:
        rows = CsvRows(text) if info.file_format == "csv" else JsonRows(text)
        expected = getattr(rows, "count", expected)
        agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
        ctx = Context(session, lender.id, lender.jurisdiction, agencies, report,
                      scope=import_scope(session, request.user_id))
        as_of = request.as_of or datetime.now(LENDER_TIME_ZONE).date()
        # A thread reads and validates the file's next chunk; the database reads and writes
        # chunks while this thread plans them (writer.ChunkWriter).
        with closing(ahead(_validated(rows, lender.jurisdiction, as_of))) as chunks, \
                ChunkWriter(ctx) as writer:
            waiting: list = []  # invalid rows, reported once their chunk has been admitted
            for chunk in chunks:
                valid: list[ImportRow] = [r for _, r in chunk if isinstance(r, ImportRow)]
                write_chunk(writer, valid)  # admits the chunk before
                _reject(ctx, waiting)
                waiting = [(raw, r) for raw, r in chunk if not isinstance(r, ImportRow)]
                if request.progress:
                    request.progress(report.total, max(expected, report.total))
            writer.finish()
            _reject(ctx, waiting)
        report.ignored_columns = rows.ignored
    finally:
        text.detach()


def _reject(ctx: Context, invalid: list) -> None:
    """Report rows with bad cells, with every error: their cells' and their ids' in the file."""
    for raw, errors in invalid:
        for column, messages in file_errors(ctx.state, raw.values, ctx.agencies).items():
            errors.setdefault(column, []).extend(messages)
        ctx.report.reject(raw.line, raw.values, errors)


def write_chunk(writer: ChunkWriter, rows: list[ImportRow]) -> None:
    """Hand one chunk of valid rows to the writer (tests pause imports between chunks here)."""
    writer.add(rows)


def _validated(rows: Iterable[RawRow], jurisdiction: str, as_of: date
               ) -> Iterator[list[tuple[RawRow, ImportRow | dict]]]:
    for chunk in _batches(rows, CHUNK_ROWS):
        yield list(zip(chunk, validate_rows(chunk, jurisdiction, as_of), strict=True))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def username(session: Session, user_id: str | None) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id)) if user_id else None


def _finish(run: ImportRun, report: Report, status: str, details: dict) -> None:
    counts = report.counts()
    run.status, run.finished_at = status, utcnow()
    run.total_rows, run.rejected_count = counts["total"], counts["rejected"]
    run.created_count, run.updated_count = counts["created"], counts["updated"]
    run.unchanged_count = counts["unchanged"]
    run.rows_done = run.rows_expected = counts["total"]
    run.report = details | report.as_dict()


def import_runs() -> Select:
    """Every import, newest first (paginated by the caller)."""
    return select(ImportRun).order_by(ImportRun.started_at.desc(), ImportRun.id)


def get_import_run(session: Session, run_id: str) -> ImportRun:
    """One import's report."""
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"no import has the id {run_id!r}")
    return run
