"""Schemas of the lender posting endpoints (the lender's core system and lender operations)."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from server.api.common_schemas import MONEY
from server.payments.rows import CHANNELS

_TEXT = {"validate": validate.Length(max=64)}


class PostingCreateSchema(Schema):
    """Every value is checked by the posting rules (server/payments/rows.py), field by field."""

    txn_id = fields.String(required=True, metadata={
        "description": "the lender's transaction id: the idempotency key"})
    kind = fields.String(load_default="payment", validate=validate.OneOf(("payment", "reversal")))
    account_id = fields.String(metadata={"description": "the lender's account id (payments)"},
                               **_TEXT)
    amount = fields.Raw(required=True, metadata={**MONEY, "description": "decimal string"})
    currency = fields.String(load_default="CNY", validate=validate.Length(equal=3))
    paid_at = fields.String(required=True, metadata={
        "description": "ISO 8601 date-time; without an offset: the operation's local time",
        "example": "2026-12-01T10:30:00+08:00"})
    channel = fields.String(load_default="transfer", validate=validate.OneOf(CHANNELS))
    receipt_no = fields.String(allow_none=True, **_TEXT)
    reverses_txn_id = fields.String(allow_none=True, metadata={
        "description": "kind=reversal: the transaction id of the payment it reverses"}, **_TEXT)
    reason = fields.String(allow_none=True, metadata={
        "description": "kind=reversal: nsf, chargeback or error"})


class PostingSchema(Schema):
    id = fields.String()
    txn_id = fields.String()
    kind = fields.String()
    account_id = fields.String(attribute="account_ref")
    matched = fields.Function(lambda p: p.account_id is not None, metadata={
        "description": "false: no such account in Doorstep; kept for a person to match"})
    amount = fields.Decimal(as_string=True, metadata=MONEY)
    currency = fields.String()
    paid_at = fields.DateTime()
    channel = fields.String()
    receipt_no = fields.String(allow_none=True)
    reverses_txn_id = fields.String(allow_none=True)
    reason = fields.String(attribute="reversal_reason", allow_none=True)
    reversed_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime()
    source = fields.String()
    resolution = fields.String(allow_none=True, metadata={
        "description": "matched or dismissed by a person (unmatched postings)"})
    resolution_note = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class PostingConflictSchema(Schema):
    id = fields.String()
    txn_id = fields.String()
    body = fields.Dict()
    source = fields.String()
    received_at = fields.DateTime()
    resolution = fields.String(allow_none=True, metadata={"description": "accepted or rejected"})
    resolution_note = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL")  # PostgreSQL text
_NOTE = {"validate": [validate.Length(min=1, max=200), NO_NUL]}


class PostingMatchSchema(Schema):
    account_id = fields.String(required=True, validate=[validate.Length(min=1, max=64), NO_NUL],
                               metadata={
        "description": "the lender's account id (as in the case file) this money belongs to"})
    note = fields.String(**_NOTE)


class PostingReasonSchema(Schema):
    reason = fields.String(required=True, **_NOTE)


class PostingNoteSchema(Schema):
    note = fields.String(**_NOTE)


class ConflictAcceptedSchema(Schema):
    conflict = fields.Nested(PostingConflictSchema)
    posting = fields.Nested(PostingSchema)


class PostingFileOptionsSchema(Schema):
    lender = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "admins: the lender's code (lender ops and clients post for their own)"})


class PostingFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV in UTF-8 or GBK"})


class PostingRejectedRowSchema(Schema):
    line = fields.Integer(metadata={"description": "line in the file (header = 1)"})
    txn_id = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PostingFileReportSchema(Schema):
    rows = fields.Integer()
    encoding = fields.String()
    applied = fields.Integer()
    unmatched = fields.Integer()
    replayed = fields.Integer()
    conflicts = fields.Integer()
    rejected = fields.Integer()
    settled = fields.Integer(metadata={"description": "cases settled: every account at zero"})
    conflicting_txn_ids = fields.List(fields.String())
    rejected_rows = fields.List(fields.Nested(PostingRejectedRowSchema))
