"""Schemas of the visit-selection endpoints."""

import re

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate

from server.api.import_schemas import ImportRunSummarySchema
from server.models.selection import labelled_reasons

# NUL in any string is refused by the request parser (server/api/parser.py).


class HistoryOptionsSchema(Schema):
    lender = fields.String(validate=[validate.Length(min=1, max=32)],
                           metadata={"description": "lender agency code (optional when there "
                                                    "is only one lender)"})


class HistoryUploadSchema(Schema):
    file = Upload(required=True, metadata={
        "description": "collection history CSV (UTF-8 or GBK): case_id, kind, occurred_at, "
                       "outcome, amount, balance, dpd, address_verified, distance_km, event_id"})


class HistoryRejectedRowSchema(Schema):
    line = fields.Integer()
    case_id = fields.String(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class HistoryRunSchema(ImportRunSummarySchema):
    rejected_rows = fields.List(fields.Nested(HistoryRejectedRowSchema),
                                attribute="report.rejected_rows")
    rejected_rows_omitted = fields.Integer(attribute="report.rejected_rows_omitted")


class ModelSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"description": "trained, approved (in force) or retired"})
    trained_at = fields.DateTime()
    window_start = fields.Date()
    window_end = fields.Date()
    horizon_days = fields.Integer()
    visit_cost = fields.Decimal(as_string=True)
    examples = fields.Integer()
    metrics = fields.Dict()
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approval_note = fields.String(allow_none=True)


class ApproveSchema(Schema):
    note = fields.String(required=True, validate=[validate.Length(min=3, max=500)],
                         metadata={"description": "why this model may decide (reviewed "
                                                  "metrics, model card)"})


class DayRequestSchema(Schema):
    team = fields.String(required=True, validate=[validate.Length(min=1, max=64)])
    date = fields.Date(required=True)
    capacity = fields.Integer(validate=validate.Range(min=0, max=100_000), metadata={
        "description": "visits the team can make; default: its collectors' capacity / 2"})


class ScoreSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    team_id = fields.String(allow_none=True)
    scored_on = fields.Date()
    model_id = fields.String(allow_none=True)
    arm = fields.String(metadata={"description": "model, or holdout (today's rule decides)"})
    excluded = fields.String(allow_none=True, metadata={
        "description": "why no model may select the case (vulnerable, dispute_open, hold, "
                       "cease_or_attorney, visit_opt_out)"})
    p_visit = fields.Float(allow_none=True)
    p_no_visit = fields.Float(allow_none=True)
    uplift = fields.Float(allow_none=True)
    expected_amount = fields.Float(allow_none=True)
    expected_value = fields.Float(allow_none=True, metadata={
        "description": "uplift × expected amount − the visit's cost"})
    reasons = fields.List(fields.String(), metadata={"description": "top reason codes"})
    reason_labels = fields.Method("_labels", metadata={
        "description": "the reason codes with their labels: [{code, en, zh}]"})
    selected = fields.Boolean()
    override = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)
    override_by = fields.String(allow_none=True)
    override_at = fields.DateTime(allow_none=True)


    def _labels(self, row) -> list[dict]:
        codes = row.get("reasons") if isinstance(row, dict) else getattr(row, "reasons", None)
        return labelled_reasons(list(codes or []))


class DaySchema(Schema):
    team_id = fields.String()
    date = fields.Date()
    capacity = fields.Integer()
    model_version = fields.Integer(allow_none=True)
    candidates = fields.Integer()
    excluded = fields.Integer()
    selected = fields.Integer()
    scores = fields.List(fields.Nested(ScoreSchema))


class ScoreQuerySchema(Schema):
    team = fields.String(required=True, validate=[validate.Length(min=1, max=64)])
    date = fields.Date(required=True)


class OverrideSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("include", "exclude")))
    reason = fields.String(required=True, validate=[validate.Length(min=3, max=500)])


def _calendar_month(value: str) -> None:
    """A month as YYYY-MM, in years a report can cover (year 0000 is no month at all)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value) or not 1900 <= int(value[:4]) <= 9998:
        raise ValidationError("use YYYY-MM, a year from 1900")


class ReportQuerySchema(Schema):
    month = fields.String(required=True, validate=_calendar_month)


class ReportSchema(Schema):
    month = fields.String()
    arms = fields.Dict(metadata={"description": "model and holdout: cases, visits, amount "
                                                "recovered, per case and per visit with 95 % CI"})
    model_minus_holdout_per_case = fields.Dict()
    drift = fields.Dict(metadata={"description": "PSI per feature against the model's "
                                                 "training data; drifted: PSI > 0.25"})
