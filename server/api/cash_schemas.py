"""Schemas of field cash hand-in."""

from marshmallow import Schema, ValidationError, fields, validate

from server.api.common_schemas import MONEY, Instant


def _positive(value) -> None:
    if value <= 0:
        raise ValidationError("must be more than 0")


class DepositCreateSchema(Schema):
    collector_id = fields.String(validate=validate.Length(max=64), metadata={
        "description": "dispatchers: whose cash (collectors deposit their own)"})
    batch_ref = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "the deposit slip's number"})
    amount = fields.Decimal(required=True, places=2, as_string=True,
                            validate=_positive, metadata=MONEY)
    deposited_at = fields.AwareDateTime(required=True)
    slip_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"),
                                metadata={"description": "the slip photo, uploaded with "
                                                         "PUT /attachments/{sha256}"})
    receipt_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                              required=True, validate=validate.Length(min=1, max=1000))


class DepositQuerySchema(Schema):
    flagged = fields.Boolean(metadata={"description": "true: unmatched past the limit"})


class DepositSchema(Schema):
    id = fields.String()
    collector_id = fields.String()
    batch_ref = fields.String()
    amount = fields.Decimal(as_string=True, metadata=MONEY)
    currency = fields.String()
    deposited_at = fields.DateTime()
    slip_sha256 = fields.String()
    receipt_ids = fields.List(fields.String())
    matched_at = fields.DateTime(allow_none=True)
    matched_posting_ids = fields.List(fields.String())
    flagged_at = fields.DateTime(allow_none=True)


class CashPeriodSchema(Schema):
    from_ = Instant(data_key="from", required=True)
    to = Instant(required=True, end_of_day=True)


class CashReportRowSchema(Schema):
    collector = fields.String()
    collector_id = fields.String()
    collected = fields.Decimal(as_string=True, metadata=MONEY)
    deposited = fields.Decimal(as_string=True, metadata=MONEY)
    outstanding = fields.Decimal(as_string=True, metadata=MONEY)
