"""Schemas of the outbox endpoints."""

from marshmallow import Schema, fields, validate

from server.messaging import states


class OutboxMessageSchema(Schema):
    id = fields.String()
    case_id = fields.String(allow_none=True)
    channel = fields.String(metadata={"example": "sms"})
    recipient = fields.String(metadata={"example": "13800138000"})
    template = fields.String(metadata={"example": "ptp_reminder"})
    body = fields.String(metadata={"description": "the text queued (a template replaces it)"})
    params = fields.Dict(allow_none=True)
    status = fields.String(metadata={"example": "sent", "description": ", ".join(states.ALL)})
    due_at = fields.DateTime()
    attempts = fields.Integer()
    provider = fields.String(allow_none=True)
    provider_ref = fields.String(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class OutboxQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(states.ALL))
    channel = fields.String(validate=validate.OneOf(("sms", "email")))
    case_id = fields.String(validate=validate.Length(1, 64))
    template = fields.String(validate=validate.Length(1, 64))
    provider = fields.String(validate=validate.Length(1, 16))
    due_from = fields.AwareDateTime()
    due_to = fields.AwareDateTime()


class OutboxCancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 300),
                           metadata={"example": "debtor paid in full this morning"})
