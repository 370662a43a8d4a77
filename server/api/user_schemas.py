"""Schemas of the users endpoints."""

from marshmallow import Schema, ValidationError, fields, post_load, validate

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
    phone = fields.String(allow_none=True)
    id_on_file = fields.Function(lambda u: bool(u.national_id), metadata={
        "description": "a national id is on file (never shown)"})
    certification_no = fields.String(allow_none=True)
    certification_expires_on = fields.Date(allow_none=True)
    training_completed_on = fields.Date(allow_none=True)
    base_lat = fields.Float(allow_none=True)
    base_lng = fields.Float(allow_none=True)
    base_label = fields.String(allow_none=True)
    shift_start = fields.Function(lambda u: _hhmm(u.shift_start_min))
    shift_end = fields.Function(lambda u: _hhmm(u.shift_end_min))
    daily_capacity = fields.Integer()


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Minutes(fields.String):
    """A local time of day "HH:MM" (24:00 allowed as the end of the day) as minutes."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        hours, _, minutes = text.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise ValidationError("use HH:MM")
        total = int(hours) * 60 + int(minutes)
        if int(minutes) > 59 or total > 24 * 60:
            raise ValidationError("not a time of day")
        return total


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


class UserUpdateSchema(Schema):
    """What an admin may change; absent fields stay as they are, null clears."""

    display_name = fields.String(validate=validate.Length(1, 120))
    role = fields.String(validate=validate.OneOf(Role.ALL))
    team = fields.String(allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "team code (sets the agency too)"})
    agency = fields.String(allow_none=True, validate=validate.Length(max=32),
                           metadata={"description": "agency code"})
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    national_id = fields.String(allow_none=True, validate=validate.Length(4, 32),
                                load_only=True, metadata={"description": "ID on file"})
    certification_no = fields.String(allow_none=True, validate=validate.Length(max=64))
    certification_expires_on = fields.Date(allow_none=True)
    training_completed_on = fields.Date(allow_none=True)
    base_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    base_lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    base_label = fields.String(allow_none=True, validate=validate.Length(max=200))
    shift_start = Minutes(data_key="shift_start", attribute="shift_start_min",
                          metadata={"description": "HH:MM local"})
    shift_end = Minutes(data_key="shift_end", attribute="shift_end_min",
                        metadata={"description": "HH:MM local"})
    daily_capacity = fields.Integer(validate=validate.Range(0, 100),
                                    metadata={"description": "visits a day"})
    active = fields.Boolean(metadata={"description": "false deactivates (ends tokens); "
                                                     "refused while open visits remain"})

    @post_load
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("nothing to change", "_schema")
        return data


class PasswordResetSchema(Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(10, 1024))
