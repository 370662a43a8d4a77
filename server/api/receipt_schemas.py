"""Schemas of the receipt endpoints (void and re-issue)."""

from marshmallow import Schema, ValidationError, fields, validate

from server.api.common_schemas import MONEY, CaseMoneySchema


def _positive(value) -> None:
    if value <= 0:
        raise ValidationError("must be more than 0")


class VoidSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ReissueSchema(VoidSchema):
    receipt_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = fields.Decimal(places=2, as_string=True, validate=_positive,
                            metadata=MONEY)
    paid_at = fields.AwareDateTime(default_timezone=None)


class ReceiptSchema(CaseMoneySchema):
    method = fields.String()
    receipt_no = fields.String(allow_none=True)
    paid_at = fields.DateTime()
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    reissue_of = fields.String(allow_none=True)
