"""Schemas of the promises endpoints."""

from marshmallow import Schema, fields, validate

from server.api.common_schemas import MONEY, CaseMoneySchema, TeamRef, UserRef
from server.models import PromiseStatus


class PromiseSchema(CaseMoneySchema):
    due_on = fields.Date()
    status = fields.String()
    status_changed_at = fields.DateTime(allow_none=True)
    superseded_by = fields.String(allow_none=True)
    paid_amount = fields.Decimal(as_string=True, metadata=MONEY)
    recorded_at = fields.DateTime()


class PromiseQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(PromiseStatus.ALL))
    case_id = fields.String()
    account_id = fields.String()
    collector_id = UserRef(metadata={"description": "collector id or username"})
    due_from = fields.Date()
    due_to = fields.Date()


class StatsQuerySchema(Schema):
    team = TeamRef()
    collector = UserRef(metadata={"description": "collector id or username"})
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()


class TeamKeepRateSchema(Schema):
    team_id = fields.String(allow_none=True)
    kept = fields.Integer()
    broken = fields.Integer()
    active = fields.Integer()
    keep_rate = fields.Float(allow_none=True, metadata={"description": "kept / (kept + broken)"})


class CollectorKeepRateSchema(TeamKeepRateSchema):
    collector_id = fields.String()


class StatsSchema(Schema):
    collectors = fields.List(fields.Nested(CollectorKeepRateSchema))
    teams = fields.List(fields.Nested(TeamKeepRateSchema))
