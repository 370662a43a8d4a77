"""Schemas of the API client endpoints (machine credentials of a lender)."""

from marshmallow import Schema, fields, validate

from server.auth.clients import SCOPES


class ApiClientCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    lender = fields.String(required=True, validate=validate.Length(min=1, max=32),
                           metadata={"description": "the lender's agency code"})
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(min=1))


class ApiClientSchema(Schema):
    id = fields.String()
    name = fields.String()
    lender_id = fields.String()
    scopes = fields.List(fields.String())
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class IssuedClientSchema(ApiClientSchema):
    token = fields.String(metadata={"description": "shown once; only its hash is kept"})


class ClientRevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
