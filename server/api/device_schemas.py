"""Schemas of the device endpoints."""

from marshmallow import Schema, fields, validate

from server.api.common_schemas import UserRef


class DeviceQuerySchema(Schema):
    user_id = UserRef()


class DeviceSchema(Schema):
    id = fields.String()
    user_id = fields.String()
    label = fields.String(allow_none=True)
    registered_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
    released_at = fields.DateTime(allow_none=True)
    clock_offset_ms = fields.Integer(allow_none=True)
    schema_version = fields.Integer(allow_none=True)


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
