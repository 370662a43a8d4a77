"""Schemas of the lender-side reports."""

from marshmallow import Schema, fields

from server.api.common_schemas import MONEY, Instant


class PeriodSchema(Schema):
    from_ = Instant(data_key="from", required=True)
    to = Instant(required=True, end_of_day=True)


class AgencyPerformanceSchema(Schema):
    agency = fields.String(metadata={"description": "the agency's code"})
    cases_placed = fields.Integer()
    right_party_contacts = fields.Integer(metadata={
        "description": "connected contacts with the debtor by the agency's people"})
    promises_made = fields.Integer()
    promises_kept = fields.Integer()
    amount_recovered = fields.Decimal(as_string=True, metadata=MONEY)
    complaints = fields.Integer()
