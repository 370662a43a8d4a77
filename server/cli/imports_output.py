"""Terminal side of `flask import cases`: a progress bar and a readable summary."""

from __future__ import annotations

import sys

import click

from server.errors import DomainError
from server.models import ImportRun


class Progress:
    """A click progress bar of rows processed; it appears when the first chunk is done."""

    def __init__(self, label: str):
        self._label = label
        self._bar = None
        self._done = 0

    def __call__(self, done: int, expected: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=expected, label=self._label, show_pos=True,
                                          item_show_func=lambda _: "rows",
                                          file=sys.stderr)
            self._bar.__enter__()
        self._bar.length = max(expected, done)
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        """Finish the bar (if it was ever shown)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def summary_lines(run: ImportRun, max_errors: int) -> list[str]:
    """The run's outcome, counts and the first rejected rows, one line each."""
    mode = " (dry run: nothing was written)" if run.dry_run else ""
    lines = [
        f"import {run.id}: {run.status}{mode}",
        f"file {run.filename} ({run.file_format}, {run.encoding}), sha256 {run.file_sha256}",
        f"rows: {run.total_rows} total, {run.created_count} created, {run.updated_count} "
        f"updated, {run.unchanged_count} unchanged, {run.rejected_count} rejected",
    ]
    rejected = run.report.get("rejected_rows", [])
    if rejected:
        shown = rejected[:max_errors]
        lines.append(f"rejected rows (first {len(shown)} of {run.rejected_count}):")
        lines.extend(f"  line {row['line']}: {_errors(row['errors'])}" for row in shown)
    ignored = run.report.get("ignored_columns")
    if ignored:
        lines.append(f"ignored columns: {', '.join(ignored)}")
    return lines


def rejection_message(exc: DomainError) -> str:
    """Why the whole file was rejected (the message names the columns or the encoding)."""
    run_id = (exc.errors or {}).get("import_id")
    return exc.message + (f"; recorded as import {run_id}" if run_id else "")


def _errors(errors: dict) -> str:
    return "; ".join(f"{field}: {', '.join(map(str, messages))}"
                     for field, messages in errors.items())
