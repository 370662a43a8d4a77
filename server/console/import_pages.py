"""Imports: upload a case file (run in the background, its progress shown live), read the
report, download the rejected rows as a CSV."""

from __future__ import annotations

import io
import logging

from flask import (
    Response,
    after_this_request,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from server.console import blp
from server.console.session import caller, page
from server.errors import InvalidInput
from server.imports import ImportRequest, import_cases, import_runs
from server.imports.background import queue_import, run_queued
from server.imports.rejected_csv import rejected_rows_csv
from server.imports.scope import get_visible_run, visible_runs
from server.models import Role
from server.unit_of_work import use_case

log = logging.getLogger("doorstep.imports")
UPLOADERS = (Role.DISPATCHER, Role.ADMIN, Role.LENDER_OPS)
READERS = (*UPLOADERS, Role.COMPLIANCE)
SHOWN = 30
BACKGROUND_LINES = 2000  # larger files import after the answer, their progress shown live


def _run_after_answer(app, run_id: str) -> None:
    with app.app_context():
        try:
            run_queued(None, run_id)
        except Exception:  # the `imports` job marks it failed or runs it again
            log.exception("background import %s could not run", run_id)


@blp.route("/imports")
@page(*READERS)
def imports():
    """Recent imports the caller may read, and the upload form."""
    with use_case() as session:
        runs = session.scalars(visible_runs(import_runs(), caller()).limit(SHOWN)).all()
        return render_template("console/imports.html", runs=runs,
                               may_upload=caller().role in UPLOADERS)


@blp.route("/imports", methods=["POST"])
@page(*UPLOADERS)
def upload():
    """Import the uploaded file: a small one at once, a large one in the background (its page
    then shows the progress live)."""
    upload_ = request.files.get("file")
    if upload_ is None or not upload_.filename:
        raise InvalidInput("choose a file to import", {"file": ["required"]})
    content = upload_.read()
    import_request = ImportRequest(
        io.BytesIO(content), upload_.filename, request.form.get("lender") or None, None,
        bool(request.form.get("dry_run")), caller().user_id, source="console")
    if content.count(b"\n") <= current_app.config.get("CONSOLE_BACKGROUND_LINES",
                                                       BACKGROUND_LINES):
        with use_case() as session:
            run_id = import_cases(session, import_request).id
        return redirect(url_for("console.import_run", run_id=run_id))
    with use_case() as session:
        run_id = queue_import(session, import_request, content).id
    app = current_app._get_current_object()

    @after_this_request
    def _hook(response):
        response.call_on_close(lambda: _run_after_answer(app, run_id))
        return response

    return redirect(url_for("console.import_run", run_id=run_id))


@blp.route("/imports/<run_id>")
@page(*READERS)
def import_run(run_id: str):
    """One import: live progress while it runs, then its counts and rejected rows."""
    with use_case() as session:
        run = get_visible_run(session, caller(), run_id)
        template = "console/_import_run.html" if request.headers.get("HX-Request") else \
            "console/import_run.html"
        return render_template(template, run=run)


@blp.route("/imports/<run_id>/rejected.csv")
@page(*READERS)
def rejected_csv(run_id: str):
    """The import's rejected rows and their problems, as a CSV download."""
    with use_case() as session:
        run = get_visible_run(session, caller(), run_id)
        body = rejected_rows_csv((run.report or {}).get("rejected_rows", []))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-{run_id}-rejected.csv"'})
