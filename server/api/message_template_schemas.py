"""Schemas of the message-template and forbidden-wording endpoints."""

from marshmallow import Schema, fields, validate

LANGUAGES = ("zh-CN", "en")


class MessageTemplateSchema(Schema):
    id = fields.String(dump_only=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"),
                         metadata={"example": "ptp_reminder"})
    language = fields.String(load_default="zh-CN", validate=validate.OneOf(LANGUAGES))
    version = fields.Integer(dump_only=True)
    channel = fields.String(load_default="sms", validate=validate.OneOf(("sms", "email")))
    jurisdiction = fields.String(allow_none=True, validate=validate.Length(2, 8),
                                 metadata={"example": "CN"})
    subject = fields.String(allow_none=True, validate=validate.Length(1, 200))
    body = fields.String(required=True, validate=validate.Length(1, 1000),
                         metadata={"example": "{name}您好，提醒您{date}有一项约定的事项。"})
    provider_template_id = fields.String(allow_none=True, validate=validate.Length(1, 64),
                                         metadata={"example": "SMS_123456789"})
    sign_name = fields.String(allow_none=True, validate=validate.Length(1, 64),
                              metadata={"example": "催收中心"})
    may_reach_third_party = fields.Boolean(load_default=True)
    created_by = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class MessageTemplateQuerySchema(Schema):
    code = fields.String(validate=validate.Length(1, 64))
    language = fields.String(validate=validate.OneOf(LANGUAGES))


class MessageWordingSchema(Schema):
    jurisdiction = fields.String(dump_only=True)
    phrases = fields.List(fields.String(validate=validate.Length(1, 100)), required=True,
                          validate=validate.Length(0, 500), metadata={"example": ["坐牢"]})
    updated_at = fields.DateTime(dump_only=True)
