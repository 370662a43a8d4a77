"""Schemas of the quarantine review endpoints."""

from marshmallow import Schema, fields, validate

from server.api.common_schemas import UserRef
from server.models import QuarantineStatus


class QuarantineQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(QuarantineStatus.ALL))
    table = fields.String(validate=validate.Length(max=48))
    collector_id = UserRef(metadata={"description": "collector id or username"})


class QuarantinedRecordSchema(Schema):
    id = fields.String()
    table_name = fields.String()
    row_id = fields.String()
    operation = fields.String()
    user_id = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    reason = fields.String()
    errors = fields.Dict()
    payload = fields.Raw()
    received_at = fields.DateTime()
    status = fields.String()
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    correction = fields.Dict(allow_none=True, metadata={
        "description": "a replay's editor, changed columns and the sent payload's digest"})


class ReplaySchema(Schema):
    payload = fields.Dict(required=True, metadata={
        "description": "the row as sent with only the values that made it fail corrected"})
    note = fields.String(validate=validate.Length(max=500))


class DismissSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
