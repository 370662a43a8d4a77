"""Schemas of the token endpoints."""

from marshmallow import Schema, fields, validate

from server.models.base import ID_PATTERN


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    device_id = fields.String(validate=validate.Regexp(ID_PATTERN))


class TokenUserSchema(Schema):
    id = fields.String()
    username = fields.String()
    role = fields.String()
    display_name = fields.String()
    team_id = fields.String(allow_none=True)
    agency_id = fields.String(allow_none=True)


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    device_id = fields.String(allow_none=True)
    user = fields.Nested(TokenUserSchema)
