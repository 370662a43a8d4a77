"""Schemas of the attachment endpoints."""

from marshmallow import Schema, fields, validate

from server.models.base import ID_PATTERN


class BlobSchema(Schema):
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String(allow_none=True)
    created_at = fields.DateTime()


class UploadQuerySchema(Schema):
    visit_id = fields.String(required=True, validate=validate.Regexp(ID_PATTERN), metadata={
        "description": "the visit the file was recorded on; you must be assigned to it"})


# The upload body for the OpenAPI spec: the raw bytes, any media type.
UPLOAD_BODY = {"required": True, "description": "the file's bytes; the path is their SHA-256",
               "content": {media: {"schema": {"type": "string", "format": "binary"}}
                           for media in ("application/octet-stream", "image/jpeg", "image/png",
                                         "audio/mp4")}}
SHA256_PARAMETER = {"in": "path", "name": "sha256", "required": True,
                    "description": "the file's lowercase hex SHA-256",
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
