"""Schemas of the self-service link endpoints."""

from marshmallow import Schema, fields, validate

from server.messaging.links import MAX_DAYS


class LinkIssueSchema(Schema):
    days = fields.Integer(load_default=None, validate=validate.Range(1, MAX_DAYS),
                          metadata={"description": "how long the link works (default 14)"})
    send = fields.Boolean(load_default=False, metadata={
        "description": "queue it as an SMS to the debtor's number on file"})


class LinkRevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 200),
                           metadata={"example": "debtor asked us to stop texting"})


class LinkSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String(allow_none=True)
    message_id = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    locked_until = fields.DateTime(allow_none=True)


class IssuedLinkSchema(LinkSchema):
    url = fields.String(metadata={"description": "the link itself; shown only once"})
