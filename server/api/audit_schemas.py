"""Schemas of the audit endpoints."""

from marshmallow import Schema, fields

from server.api.common_schemas import Instant


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    detail = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class AuditQuerySchema(Schema):
    actor_id = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    since = Instant()
    until = Instant(end_of_day=True)
