"""Schemas of the health endpoint."""

from marshmallow import Schema, fields


class MigrationsSchema(Schema):
    current = fields.List(fields.String())
    head = fields.List(fields.String())
    at_head = fields.Boolean()


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok or error"})
    database = fields.String()
    migrations = fields.Nested(MigrationsSchema)
    error = fields.String()


class LiveSchema(Schema):
    status = fields.String(metadata={"description": "always ok when the process answers"})
