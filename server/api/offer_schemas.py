"""Schemas of offers at the door and of approval limits."""

from marshmallow import Schema, ValidationError, fields, validate

from server.api.common_schemas import MONEY
from server.models import OfferKind, OfferStatus, Role

NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL")  # PostgreSQL text
_ID = [validate.Length(min=1, max=64), NO_NUL]


def _positive(value) -> None:
    if value <= 0:
        raise ValidationError("must be more than 0")


def _percent(value) -> None:
    if not 0 <= value <= 100:
        raise ValidationError("a percentage from 0 to 100")


def _not_negative(value) -> None:
    if value < 0 or value > 999999999999:
        raise ValidationError("from 0 to 999999999999")


class OfferScheduleLineSchema(Schema):
    due_on = fields.Date(required=True)
    amount = fields.Decimal(required=True, places=2, as_string=True, validate=_positive,
                            metadata=MONEY)


class OfferCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(OfferKind.ALL), metadata={
        "description": "settlement (a discounted lump sum, or a short plan) or instalments"})
    account_id = fields.String(validate=_ID, metadata={
        "description": "the account (Doorstep id); optional when the case has one"})
    visit_id = fields.String(validate=_ID, metadata={"description": "the visit it was made at"})
    schedule = fields.List(fields.Nested(OfferScheduleLineSchema), required=True,
                           validate=validate.Length(min=1, max=60))
    note = fields.String(validate=[validate.Length(min=1, max=500), NO_NUL])


class OfferSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    visit_id = fields.String(allow_none=True)
    kind = fields.String()
    currency = fields.String()
    balance = fields.Decimal(as_string=True, metadata=MONEY)
    amount = fields.Decimal(as_string=True, metadata=MONEY)
    discount = fields.Decimal(as_string=True, metadata=MONEY)
    schedule = fields.List(fields.Dict())
    note = fields.String(allow_none=True)
    status = fields.String()
    proposed_by = fields.String()
    proposed_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    promise_ids = fields.List(fields.String())


class OfferQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(OfferStatus.ALL))


class OfferApproveSchema(Schema):
    note = fields.String(validate=[validate.Length(min=1, max=200), NO_NUL])


class OfferRefuseSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200), NO_NUL])


class ApprovalLimitSetSchema(Schema):
    role = fields.String(validate=validate.OneOf((Role.DISPATCHER, Role.ADMIN)))
    user = fields.String(validate=_ID,
                         metadata={"description": "a username: this user's own limit"})
    lender = fields.String(validate=[validate.Length(min=1, max=32), NO_NUL],
                           metadata={"description": "a lender's code; omitted: all lenders"})
    max_discount_pct = fields.Decimal(required=True, places=2, as_string=True,
                                      validate=_percent)
    max_discount_amount = fields.Decimal(places=2, as_string=True, allow_none=True,
                                         validate=_not_negative)
    max_instalments = fields.Integer(required=True, validate=validate.Range(min=1, max=60))


class ApprovalLimitSchema(Schema):
    id = fields.String()
    subject = fields.String()
    lender_key = fields.String()
    max_discount_pct = fields.Decimal(as_string=True)
    max_discount_amount = fields.Decimal(as_string=True, allow_none=True)
    max_instalments = fields.Integer()
    updated_at = fields.DateTime()
