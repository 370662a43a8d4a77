"""Schemas of the addresses endpoints."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.models import Verification


class AddressSchema(Schema):
    id = fields.String()
    party_id = fields.String()
    kind = fields.String()
    raw_text = fields.String()
    province = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    adcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    precision = fields.String(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    geocoder = fields.String(allow_none=True)
    time_zone = fields.String(allow_none=True)
    verification_state = fields.String()
    verification_note = fields.String(allow_none=True)
    proposed_lat = fields.Float(allow_none=True)
    proposed_lng = fields.Float(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class AddressQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(Verification.ALL))
    district = fields.String(validate=validate.Length(1, 64))


class GeocodeRequestSchema(Schema):
    address_ids = fields.List(fields.String(validate=validate.Length(1, 64)),
                              validate=validate.Length(1, 200))
    state = fields.String(load_default=Verification.UNVERIFIED, validate=validate.OneOf(
        [Verification.UNVERIFIED, Verification.FAILED, Verification.NEEDS_REVERIFICATION]))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                           metadata={"description": "larger batches: `flask addresses geocode`"})


class GeocodeOutcomeSchema(Schema):
    address_id = fields.String()
    state = fields.String()
    precision = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    changed = fields.Boolean()


class GeocodeReportSchema(Schema):
    processed = fields.Function(lambda r: len(r.results))
    geocoded = fields.Function(lambda r: r.count(Verification.GEOCODED))
    failed = fields.Function(lambda r: r.count(Verification.FAILED))
    skipped = fields.Integer()
    results = fields.List(fields.Nested(GeocodeOutcomeSchema))


class VerifyRequestSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(3, 500))
    lat = fields.Float(validate=validate.Range(-90, 90))
    lng = fields.Float(validate=validate.Range(-180, 180))
    accept_proposed = fields.Boolean(load_default=False)

    @validates_schema
    def _point(self, data, **kwargs):
        if ("lat" in data) != ("lng" in data):
            raise ValidationError("give lat and lng together", "lng")
        if "lat" in data and data["accept_proposed"]:
            raise ValidationError("either a point or accept_proposed", "accept_proposed")
