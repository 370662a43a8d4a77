"""Schemas of the imports endpoints."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate


class ImportOptionsSchema(Schema):
    """Options, as query parameters or as multipart form fields."""

    lender = fields.String(validate=validate.Length(min=1, max=32),
                           metadata={"description": "lender agency code (optional when there "
                                                    "is only one lender)"})
    dry_run = fields.Boolean(metadata={"description": "check and count, write nothing"})
    background = fields.Boolean(metadata={
        "description": "answer at once (202, status queued) and import after the answer; "
                       "follow the run at its Location for progress and the report"})
    format = fields.String(validate=validate.OneOf(("csv", "json")),
                           metadata={"description": "csv or json; default: from the file name "
                                                    "or content"})


class ImportUploadSchema(Schema):
    file = Upload(metadata={"description": "the case file (CSV in UTF-8 or GBK, or JSON); "
                                           "or send a JSON body instead"})


class RejectedRowSchema(Schema):
    line = fields.Integer(metadata={"description": "line in the file (header = 1); JSON: "
                                                   "position in the list"})
    case_id = fields.String()
    account_id = fields.String()
    debtor_id = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImportCountsSchema(Schema):
    total = fields.Integer(attribute="total_rows")
    created = fields.Integer(attribute="created_count")
    updated = fields.Integer(attribute="updated_count")
    unchanged = fields.Integer(attribute="unchanged_count")
    rejected = fields.Integer(attribute="rejected_count")


class ImportRunSummarySchema(Schema):
    id = fields.String()
    status = fields.String(metadata={
        "description": "completed, or rejected (the whole file); a background import is "
                       "queued, then running, then completed, rejected or failed"})
    dry_run = fields.Boolean()
    user_id = fields.String(allow_none=True)
    username = fields.String(attribute="report.user", allow_none=True)
    source = fields.String(attribute="report.source", metadata={"description": "api or cli"})
    lender_id = fields.String(allow_none=True)
    lender = fields.String(attribute="report.lender", allow_none=True,
                           metadata={"description": "lender code (a queued import: as asked)"})
    filename = fields.String(allow_none=True)
    file_sha256 = fields.String()
    file_format = fields.String()
    encoding = fields.String(allow_none=True,
                             metadata={"description": "utf-8, utf-8-sig (BOM) or gb18030"})
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    counts = fields.Function(lambda run: ImportCountsSchema().dump(run))
    progress = fields.Function(
        lambda run: {"rows_done": run.rows_done, "rows_expected": run.rows_expected,
                     "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None},
        metadata={"description": "rows read so far of the rows the file holds (background "
                                 "imports on PostgreSQL report it while running)"})


class ImportRunSchema(ImportRunSummarySchema):
    tables = fields.Dict(attribute="report.tables",
                         metadata={"description": "per table: created/updated/unchanged"})
    rejected_rows = fields.List(fields.Nested(RejectedRowSchema),
                                attribute="report.rejected_rows")
    rejected_rows_omitted = fields.Integer(attribute="report.rejected_rows_omitted")
    ignored_columns = fields.List(fields.String(), attribute="report.ignored_columns")
    case_ids = fields.Dict(attribute="report.case_ids", metadata={
        "description": "ids of the cases this import created and updated (for GET "
                       "/cases/{id}), at most 10,000 each, with how many were left out; "
                       "empty for a dry run"})
    error = fields.Dict(attribute="report.error",
                        metadata={"description": "why the file was rejected as a whole"})
