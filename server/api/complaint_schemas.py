"""Schemas of the complaints endpoints."""

from marshmallow import Schema, fields, validate

from server.cases.complaints import CATEGORIES
from server.models import ComplaintStatus


class ComplaintSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    visit_id = fields.String(allow_none=True)
    category = fields.String()
    channel = fields.String()
    description = fields.String()
    subject_user_ids = fields.List(fields.String(), metadata={
        "description": "collectors complained about (never the handler)"})
    status = fields.String()
    handler_id = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    received_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={
        "description": "decision due (the case's profile: complaint_*_days); null: no clock"})
    complex = fields.Boolean()
    extended_by = fields.String(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    final_response = fields.String(allow_none=True)
    upheld = fields.Boolean(allow_none=True, metadata={
        "description": "decided at resolution: true, the complaint was justified"})


class ComplaintCreateSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(1, 2000))
    channel = fields.String(load_default="staff", validate=validate.OneOf(
        ("staff", "field", "phone", "letter", "email", "self_service", "regulator")))
    visit_id = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "the visit it is about; its collectors are the subjects by default"})
    subject_user_ids = fields.List(fields.String(validate=validate.Length(1, 64)),
                                   validate=validate.Length(0, 10))
    handler_id = fields.String(validate=validate.Length(1, 64))


class ComplaintUpdateSchema(Schema):
    handler_id = fields.String(validate=validate.Length(1, 64))
    status = fields.String(validate=validate.OneOf(
        [s for s in ComplaintStatus.ALL if s != ComplaintStatus.RECEIVED]))
    complex = fields.Boolean(metadata={"description": "the longer clock (CN: 30 days)"})
    extend = fields.Boolean(metadata={
        "description": "the one approved extension (CN: 30 more days); compliance or admin"})
    final_response = fields.String(validate=validate.Length(1, 4000))
    upheld = fields.Boolean(allow_none=True, metadata={
        "description": "with status resolved: whether the complaint was upheld (recall rules "
                       "read it)"})


class ComplaintQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ComplaintStatus.ALL))
    open = fields.Boolean()
    case_id = fields.String(validate=validate.Length(1, 64))
    category = fields.String(validate=validate.OneOf(CATEGORIES))


class CountsSchema(Schema):
    open = fields.Integer()
    total = fields.Integer()


class ComplaintStatsSchema(Schema):
    collectors = fields.Dict(keys=fields.String(), values=fields.Nested(CountsSchema))
    agencies = fields.Dict(keys=fields.String(), values=fields.Nested(CountsSchema))
