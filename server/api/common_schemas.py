"""Schemas shared by several blueprints."""

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """The one error shape every 4xx/5xx answer has."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()


# Money leaves as a decimal string ("500.00"), never a float; say so in the spec.
MONEY = {"type": "string", "format": "decimal", "example": "500.00"}
