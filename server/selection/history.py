"""Import a lender's past collection history (CSV, UTF-8 or GBK) into the history store.

Rows are checked one by one (the case import's per-row error report), written in batches with
INSERT … ON CONFLICT DO NOTHING, so a file imported twice adds nothing the second time. On
PostgreSQL a batch goes in as one binary COPY into a staging table and one INSERT … SELECT
(server/db/bulk.py): 5,000 rows per round trip instead of 5 multi-row VALUES statements.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy.orm import Session

from server.audit import service as audit
from server.db.bulk import insert_rows
from server.imports.columns import FileRejected
from server.imports.report import MAX_REJECTED_ROWS, shown
from server.imports.service import ImportRequest, new_run, resolve_lender
from server.imports.source import detect, open_text, scan
from server.models import HistoryEvent, ImportRun, new_id, utcnow
from server.selection.history_rows import header_positions, validate

BATCH = 5000
COLUMNS = ("id", "lender_id", "case_ref", "kind", "occurred_at", "outcome", "amount", "balance",
           "dpd", "address_verified", "distance_km", "source", "source_key", "import_run_id")
MONEY = ("amount", "balance")


@dataclass(frozen=True)
class HistoryFile:
    """One history file to import."""

    stream: BinaryIO
    filename: str | None = None
    lender_code: str | None = None
    user_id: str | None = None


def import_history(session: Session, upload: HistoryFile) -> ImportRun:
    """Check every row, store the good ones once, and report the rest by line and column."""
    found = scan(upload.stream)
    run = new_run(_as_request(upload), found)
    lender = resolve_lender(session, upload.lender_code)
    info = detect(upload.stream, found, upload.filename, "csv")
    run.id, run.lender_id, run.encoding, run.file_format = new_id(), lender.id, info.encoding, "csv"
    counts, rejected = {"total": 0, "created": 0, "unchanged": 0, "rejected": 0}, []
    text = open_text(upload.stream, info.encoding)
    try:
        reader = csv.reader(text)
        positions = header_positions(_header(reader))
        batch: list[dict] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            counts["total"] += 1
            values = {n: cells[i] if i < len(cells) else None for n, i in positions.items()}
            row = validate(values, lender.id)
            if "errors" in row:
                counts["rejected"] += 1
                _reject(rejected, reader.line_num, values, row["errors"])
                continue
            batch.append(row | {"id": new_id(), "source": "import", "import_run_id": run.id})
            if len(batch) >= BATCH:
                counts["created"] += _write(session, batch)
                batch = []
        counts["created"] += _write(session, batch)
    except csv.Error as exc:
        raise FileRejected(f"the CSV is malformed near line {reader.line_num}: {exc}") from None
    finally:
        text.detach()
    counts["unchanged"] = counts["total"] - counts["rejected"] - counts["created"]
    _finish(session, run, counts, rejected, upload)
    return run


def _as_request(upload: HistoryFile) -> ImportRequest:
    return ImportRequest(upload.stream, upload.filename, upload.lender_code, "csv",
                         user_id=upload.user_id, source="history")


def _header(reader) -> list[str]:
    try:
        return next(reader)
    except StopIteration:
        raise FileRejected("the file has no header line") from None


def _reject(rejected: list, line: int, values: dict, errors: dict) -> None:
    if len(rejected) < MAX_REJECTED_ROWS:
        case = shown(str(values.get("case_id") or "").strip()[:64]) or None
        rejected.append({"line": line, "case_id": case,
                         "errors": {c: [shown(m) for m in ms] for c, ms in errors.items()}})


def _write(session: Session, batch: list[dict]) -> int:
    rows = [{c: _exact(row.get(c)) if c in MONEY else row.get(c) for c in COLUMNS}
            for row in batch]
    return len(insert_rows(session, HistoryEvent.__table__, rows, ignore_conflicts=True,
                           returning_ids=True, conflict=("source", "source_key")))


def _exact(value):
    """Money as Decimal (COPY's binary numeric takes no float; the CSV path already has it)."""
    return Decimal(str(value)) if isinstance(value, float) else value


def _finish(session: Session, run: ImportRun, counts: dict, rejected: list,
            upload: HistoryFile) -> None:
    run.status, run.finished_at = "completed", utcnow()
    run.total_rows, run.created_count = counts["total"], counts["created"]
    run.rejected_count, run.unchanged_count = counts["rejected"], counts["unchanged"]
    run.rows_done = counts["total"]
    run.report = {"kind": "history", "counts": counts, "rejected_rows": rejected,
                  "rejected_rows_omitted": counts["rejected"] - len(rejected)}
    session.add(run)
    audit.record(session, upload.user_id, "history.import", "import_run", run.id,
                 {"lender_id": run.lender_id, "counts": counts, "file_sha256": run.file_sha256})


def store_history_rows(session: Session, lender_id: str, rows, source: str = "import") -> int:
    """Write already-checked history rows (dicts with HistoryEvent's columns) in batches."""
    written, batch = 0, []
    for row in rows:
        batch.append(row | {"id": new_id(), "lender_id": lender_id, "source": source})
        if len(batch) >= BATCH:
            written, batch = written + _write(session, batch), []
    return written + _write(session, batch)
