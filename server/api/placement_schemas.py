"""Schemas of placement and recall (lender operations)."""

from marshmallow import Schema, fields, validate

from server.cases.placement import RECALL_REASONS

_CASES = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                     validate=validate.Length(min=1, max=10000),
                     metadata={"description": "the lender's case ids"})
_LENDER = {"validate": validate.Length(min=1, max=32),
           "metadata": {"description": "admins: the lender's code (lender ops: their own)"}}


class PlacementCreateSchema(Schema):
    lender = fields.String(**_LENDER)
    cases = _CASES
    agency = fields.String(required=True, validate=validate.Length(min=1, max=32))
    ends_on = fields.Date(allow_none=True, metadata={
        "description": "the placement's last day; recalled by the scheduler after it"})


class RecallSchema(Schema):
    lender = fields.String(**_LENDER)
    cases = _CASES
    reason = fields.String(required=True, validate=validate.OneOf(RECALL_REASONS))
    note = fields.String(allow_none=True, validate=validate.Length(max=500))
    return_case = fields.Boolean(load_default=False, metadata={
        "description": "true: the case goes back to the lender (退案) and is closed"})


class ReplaceSchema(PlacementCreateSchema):
    reason = fields.String(required=True, validate=validate.OneOf(RECALL_REASONS))
    note = fields.String(allow_none=True, validate=validate.Length(max=500))


class PlacementResultSchema(Schema):
    placed = fields.Integer()
    unchanged = fields.Integer()
    agency = fields.String()
    recalled = fields.Integer()
    returned = fields.Integer()
    visits = fields.Integer(metadata={"description": "open visits cancelled"})
    assignments = fields.Integer()
    follow_ups = fields.Integer()
    reminders = fields.Integer(metadata={"description": "queued messages withdrawn"})
    promises = fields.Integer()
