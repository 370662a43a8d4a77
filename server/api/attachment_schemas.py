"""Schemas of the attachment endpoints."""

from marshmallow import Schema, fields


class BlobSchema(Schema):
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String(allow_none=True)
    created_at = fields.DateTime()
