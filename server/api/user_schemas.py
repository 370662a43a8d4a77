"""Schemas of the users endpoints."""

from marshmallow import Schema, fields, validate

from server.api.common_schemas import TeamRef
from server.models import Role


class UserSchema(Schema):
    id = fields.String(dump_only=True)
    username = fields.String()
    role = fields.String()
    display_name = fields.String()
    team_id = fields.String(allow_none=True)
    agency_id = fields.String(allow_none=True)
    active = fields.Boolean()
    certification_expires_on = fields.Date(allow_none=True)
    base_lat = fields.Float(allow_none=True)
    base_lng = fields.Float(allow_none=True)


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.\-]{3,80}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(10, 1024))
    role = fields.String(required=True, validate=validate.OneOf(Role.ALL))
    team = fields.String(validate=validate.Length(max=32), metadata={"description": "team code"})
    agency = fields.String(validate=validate.Length(max=32),
                           metadata={"description": "agency code"})
    display_name = fields.String(validate=validate.Length(max=120))


class UserQuerySchema(Schema):
    role = fields.String(validate=validate.OneOf(Role.ALL))
    team_id = TeamRef()
