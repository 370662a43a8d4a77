"""/api/v1/imports: import a lender's case file; list and fetch import reports."""

from __future__ import annotations

import io
import logging

from flask import after_this_request, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.import_schemas import (
    ImportOptionsSchema,
    ImportRunSchema,
    ImportRunSummarySchema,
    ImportUploadSchema,
)
from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.errors import InvalidInput
from server.extensions import db
from server.imports import ImportRequest, import_cases, import_runs
from server.imports.background import queue_import, run_queued
from server.imports.scope import get_visible_run, visible_runs
from server.models import Role
from server.unit_of_work import use_case

log = logging.getLogger("doorstep.imports")
blp = Blueprint("imports", __name__, url_prefix="/imports", description="Case imports")


def _queue(session, import_request: ImportRequest):
    """Keep the file with a queued run, answer 202, and run it once the answer has gone out."""
    import_request.stream.seek(0)
    run = queue_import(session, import_request, import_request.stream.read())
    app, run_id = current_app._get_current_object(), run.id

    @after_this_request
    def _hook(response):
        response.call_on_close(lambda: _run_after_answer(app, run_id))
        return response

    return run, 202, {"Location": url_for("imports.ImportsById", run_id=run.id)}


def _run_after_answer(app, run_id: str) -> None:
    with app.app_context():
        try:
            run_queued(None, run_id)
        except Exception:  # the `imports` job marks it failed or runs it again
            log.exception("background import %s could not run", run_id)


def _upload(files: dict, options: dict) -> ImportRequest:
    """The file from a multipart upload, or the request body when it is JSON."""
    upload = files.get("file")
    if upload is not None:
        stream, name, fmt = upload.stream, upload.filename, options.get("format")
    elif request.is_json:
        stream, name, fmt = io.BytesIO(request.get_data()), None, "json"
    else:
        raise InvalidInput("send the file as multipart field 'file', or rows as a JSON body",
                           {"file": ["Missing data for required field."]})
    return ImportRequest(stream, name, options.get("lender"), fmt, options.get("dry_run", False),
                         current_principal().user_id)


@blp.route("")
class Imports(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN, Role.LENDER_OPS)
    @blp.arguments(ImportOptionsSchema, location="query")
    @blp.arguments(ImportOptionsSchema, location="form")
    @blp.arguments(ImportUploadSchema, location="files")
    @blp.response(201, ImportRunSchema)
    @blp.alt_response(202, schema=ImportRunSchema,
                      description="background=true: queued; follow the Location")
    @blp.doc(requestBody={"content": {"application/json": {
        "schema": {"type": "array", "items": {"type": "object"},
                   "description": "the rows, one object per row (docs/import.md)"},
        "example": [{"case_id": "C1", "account_id": "A1", "debtor_id": "D1", "name": "张三",
                     "principal": "10000.00", "outstanding": "8000.50",
                     "home_address": "上海市黄浦区人民大道200号", "phones": "13800138000"}]}}})
    def post(self, query, form, files):
        """Import cases: a CSV/JSON file upload or a JSON body; rejected rows are reported.
        A dispatcher's rows may touch only existing cases unplaced or placed with their agency;
        creating, placing elsewhere, recalling and re-balancing cases is lender ops' work.
        With `background=true` the answer comes at once (202) and the import runs after it."""
        options = query | form
        with use_case() as session:
            if options.get("background"):
                return _queue(session, _upload(files, options))
            return import_cases(session, _upload(files, options))

    @roles(Role.DISPATCHER, Role.ADMIN, Role.COMPLIANCE, Role.LENDER_OPS)
    @blp.response(200, ImportRunSummarySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List imports, newest first."""
        stmt = visible_runs(import_runs(), current_principal())
        return paginate_select(db.session, stmt, pagination_parameters)


@blp.route("/<run_id>")
class ImportsById(MethodView):
    @roles(Role.DISPATCHER, Role.ADMIN, Role.COMPLIANCE, Role.LENDER_OPS)
    @blp.response(200, ImportRunSchema)
    def get(self, run_id):
        """One import's report, with its rejected rows."""
        return get_visible_run(db.session, current_principal(), run_id)
