"""Schemas of the cases endpoints."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.api.address_schemas import AddressSchema
from server.api.common_schemas import MONEY
from server.api.followup_schemas import FollowUpSchema
from server.api.promise_schemas import PromiseSchema
from server.cases.request_values import (
    CALL_OUTCOMES,
    COMPLAINT_CATEGORIES,
    HOLD_REASONS,
    MAX_WINDOWS,
    STOP_CHANNELS,
    VIA,
    VULNERABILITY_CATEGORIES,
    missing_fields,
)
from server.cases.search import SORTS
from server.cases.timeline import KINDS
from server.imports import values
from server.models import CaseEventKind, CaseStatus

SORT_CHOICES = [*SORTS, *(f"-{s}" for s in SORTS)]


def _parsed(parse):
    """A marshmallow deserializer from one of the import's cell parsers (same normalisation)."""

    class Parsed(fields.String):
        def _deserialize(self, value, attr, data, **kwargs):
            try:
                return parse(super()._deserialize(value, attr, data, **kwargs))
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc

    return Parsed


class CaseQuerySchema(Schema):
    case_ref = fields.String(validate=validate.Length(1, 64),
                             metadata={"description": "the lender's case id (exact)"})
    account_ref = fields.String(validate=validate.Length(1, 64),
                                metadata={"description": "the lender's account id (exact)"})
    name = fields.String(validate=validate.Length(1, 120),
                         metadata={"description": "debtor's name, or its beginning"})
    phone = _parsed(values.phone)(metadata={
        "description": "a phone of the debtor or a related party, in any usual format "
                       "(+86 138-0013-8000): normalised as the import does"})
    national_id_last4 = fields.String(validate=validate.Regexp(r"^[0-9Xx]{4}$"),
                                      metadata={"description": "last 4 of the national id"})
    status = fields.String(validate=validate.OneOf(CaseStatus.ALL))
    bucket = _parsed(values.bucket)(metadata={"description": "an account in this bucket"})
    dpd_min = fields.Integer(validate=validate.Range(0, 100000))
    dpd_max = fields.Integer(validate=validate.Range(0, 100000))
    agency = fields.String(validate=validate.Length(1, 32),
                           metadata={"description": "agency code: placed with it now"})
    team = fields.String(validate=validate.Length(1, 32),
                         metadata={"description": "team code: an open visit of that team"})
    collector_id = fields.String(validate=validate.Length(1, 64),
                                 metadata={"description": "assigned to an open visit"})
    dispute = fields.Boolean(metadata={"description": "a dispute is open (or not)"})
    hold = fields.Boolean(metadata={"description": "the debtor is on hold today"})
    cease = fields.Boolean(metadata={"description": "the debtor asked to stop all contact"})
    complaint = fields.Boolean(metadata={"description": "a complaint is open (or not)"})
    next_action_before = fields.AwareDateTime(metadata={
        "description": "an open follow-up is due by then (ISO 8601 with offset)"})
    sort = fields.String(validate=validate.OneOf(SORT_CHOICES), metadata={
        "description": "a key, `-` first for descending; default -opened_at"})

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("dpd_min") is not None and data.get("dpd_max") is not None \
                and data["dpd_min"] > data["dpd_max"]:
            raise ValidationError("dpd_min is above dpd_max", "dpd_max")


class DebtorBriefSchema(Schema):
    id = fields.String()
    name = fields.String()
    national_id = fields.String(allow_none=True, metadata={"description": "masked per role"})


class AccountBriefSchema(Schema):
    id = fields.String()
    account_ref = fields.String()
    currency = fields.String()
    outstanding = fields.Decimal(as_string=True, metadata=MONEY)
    dpd = fields.Integer()
    bucket = fields.String()


class CaseFlagsSchema(Schema):
    dispute = fields.Boolean()
    hardship = fields.Boolean()
    vulnerable = fields.Boolean()
    attorney = fields.Boolean()
    hold = fields.Boolean()
    cease = fields.List(fields.String(), metadata={"description": "channels stopped"})


class CaseRowSchema(Schema):
    id = fields.String()
    case_ref = fields.String(metadata={"description": "the lender's case id"})
    lender_id = fields.String()
    status = fields.String()
    jurisdiction = fields.String()
    priority = fields.Integer()
    opened_at = fields.DateTime()
    last_activity_at = fields.DateTime(allow_none=True)
    debtor = fields.Nested(DebtorBriefSchema)
    accounts = fields.List(fields.Nested(AccountBriefSchema))
    max_dpd = fields.Integer(allow_none=True)
    agencies = fields.List(fields.String(), metadata={"description": "placed with (codes)"})
    collector_ids = fields.List(fields.String())
    next_action_at = fields.DateTime(allow_none=True)
    flags = fields.Nested(CaseFlagsSchema)


class DebtorSchema(Schema):
    id = fields.String()
    party_ref = fields.String(allow_none=True)
    name = fields.String()
    national_id = fields.String(allow_none=True, metadata={"description": "masked per role"})
    gender = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    language = fields.String()


class RelatedPartySchema(DebtorSchema):
    relationship = fields.String()
    debt_related = fields.Boolean(metadata={"description": "liable (guarantor …)"})


class AccountSchema(Schema):
    id = fields.String()
    account_ref = fields.String(attribute="external_id")
    product = fields.String()
    currency = fields.String()
    principal = fields.Decimal(as_string=True, metadata=MONEY)
    outstanding = fields.Decimal(as_string=True, metadata=MONEY)
    overdue_amount = fields.Decimal(as_string=True, metadata=MONEY)
    due_since = fields.Date(allow_none=True)
    dpd = fields.Integer()
    bucket = fields.String()
    last_payment_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class OptOutSchema(Schema):
    id = fields.String()
    channel = fields.String()
    reason = fields.String()
    scope = fields.String(metadata={"description": "party (every number) or contact_point"})
    recorded_at = fields.DateTime()
    lifted_at = fields.DateTime(allow_none=True)


class ContactPointSchema(Schema):
    id = fields.String()
    party_id = fields.String()
    channel = fields.String()
    value = fields.String(metadata={"description": "masked for collectors unless liable"})
    label = fields.String(allow_none=True)
    valid = fields.Boolean()
    opt_outs = fields.List(fields.Nested(OptOutSchema))


class PlacementSchema(Schema):
    id = fields.String()
    agency_id = fields.String()
    agency = fields.String()
    agency_name = fields.String()
    placed_at = fields.DateTime()
    ends_on = fields.Date(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    current = fields.Boolean()


class CaseStateSchema(Schema):
    dispute_open = fields.Boolean()
    hardship = fields.Boolean()
    cease_channels = fields.List(fields.String())
    attorney_represented = fields.Boolean()
    vulnerable = fields.Boolean()
    vulnerability_note = fields.String(allow_none=True,
                                       metadata={"description": "compliance and admins only"})
    hold_until = fields.Date(allow_none=True)
    hold_reason = fields.String(allow_none=True)
    preferred_windows = fields.List(fields.Dict())


class ContactWindowSchema(Schema):
    start = fields.DateTime()
    end = fields.DateTime()


class CaseRulesSchema(Schema):
    profiles = fields.List(fields.Dict(), metadata={"description": "merged, strictest wins"})
    params = fields.Dict()
    local_date = fields.Date(metadata={"description": "today in the debtor's zone"})
    time_zone = fields.String()
    contact_windows = fields.List(fields.Nested(ContactWindowSchema), metadata={
        "description": "today's legal contact windows (UTC), quiet hours and preferences "
                       "applied"})


class OpenVisitSchema(Schema):
    id = fields.String()
    status = fields.String()
    scheduled_on = fields.Date()
    address_id = fields.String()
    team_id = fields.String(allow_none=True)
    purpose = fields.String()
    window_start = fields.DateTime(allow_none=True)
    window_end = fields.DateTime(allow_none=True)
    assignee_ids = fields.List(fields.String())


class CaseDetailSchema(Schema):
    id = fields.String()
    case_ref = fields.String()
    lender_id = fields.String()
    status = fields.String()
    jurisdiction = fields.String()
    priority = fields.Integer()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    last_activity_at = fields.DateTime(allow_none=True)
    time_zone = fields.String(metadata={"description": "the debtor's (home address)"})
    debtor = fields.Nested(DebtorSchema)
    related_parties = fields.List(fields.Nested(RelatedPartySchema))
    accounts = fields.List(fields.Nested(AccountSchema))
    addresses = fields.List(fields.Nested(AddressSchema))
    contact_points = fields.List(fields.Nested(ContactPointSchema))
    placements = fields.List(fields.Nested(PlacementSchema))
    open_promises = fields.List(fields.Nested(PromiseSchema))
    state = fields.Nested(CaseStateSchema)
    rules = fields.Nested(CaseRulesSchema)
    open_follow_ups = fields.List(fields.Nested(FollowUpSchema))
    open_visits = fields.List(fields.Nested(OpenVisitSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class TimelineQuerySchema(Schema):
    kind = fields.List(fields.String(validate=validate.OneOf(KINDS)), metadata={
        "description": "only these kinds (repeat the parameter); default every kind"})
    after = fields.String(validate=validate.Length(1, 400),
                          metadata={"description": "the `next` cursor of the page before"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class WhoSchema(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)


class PlaceSchema(Schema):
    lat = fields.Float()
    lng = fields.Float()


class TimelineEntrySchema(Schema):
    id = fields.String(metadata={"description": "kind:event:record id, unique in the feed"})
    kind = fields.String()
    event = fields.String()
    at = fields.DateTime(metadata={"description": "UTC"})
    local_at = fields.String(metadata={"description": "the debtor's local wall time"})
    who = fields.Nested(WhoSchema, allow_none=True)
    visit_id = fields.String(allow_none=True)
    where = fields.Nested(PlaceSchema, allow_none=True)
    info = fields.String(allow_none=True, metadata={
        "description": "outcome code, amount, status, rule, reason … by kind"})


class TimelineSchema(Schema):
    case_id = fields.String()
    time_zone = fields.String()
    entries = fields.List(fields.Nested(TimelineEntrySchema))
    next = fields.String(allow_none=True, metadata={"description": "cursor of the next page"})


K = CaseEventKind


class WindowInSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from", required=True,
                          validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))
    to = fields.String(required=True, validate=validate.Regexp(
        r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"))


class CaseRequestSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(K.ALL))
    via = fields.String(load_default="staff", validate=validate.OneOf(VIA),
                        metadata={"description": "how the debtor told us"})
    channel = fields.String(validate=validate.OneOf(STOP_CHANNELS), metadata={
        "description": "stop_contact(_lifted): all, one channel, or visit (visits only)"})
    contact_point_id = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "stop_contact: stop one number only; phone_reported: the number it "
                       "corrects (marked invalid)"})
    opt_out_id = fields.String(validate=validate.Length(1, 64),
                               metadata={"description": "stop_contact_lifted: which one"})
    until = fields.Date(metadata={"description": "hold: last day (debtor's local date)"})
    reason = fields.String(validate=validate.OneOf(HOLD_REASONS))
    category = fields.String(validate=validate.OneOf(
        VULNERABILITY_CATEGORIES + COMPLAINT_CATEGORIES), metadata={
        "description": f"vulnerability: {', '.join(VULNERABILITY_CATEGORIES)}; complaint: "
                       f"{', '.join(COMPLAINT_CATEGORIES)}"})
    visit_id = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "complaint: the visit it is about (its collectors are the subjects)"})
    windows = fields.List(fields.Nested(WindowInSchema), validate=validate.Length(0, MAX_WINDOWS),
                          metadata={"description": "preferred_times: local windows"})
    address_id = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "moved: the address left; address_reported: the one it corrects"})
    value = fields.String(validate=validate.Length(1, 300), metadata={
        "description": "phone_reported: the number (any usual format, normalised); "
                       "address_reported, moved: the new address text"})
    note = fields.String(validate=validate.Length(1, 500), metadata={
        "description": "what was said; vulnerability: a restricted note (compliance and "
                       "admins read it); third_party_report: what the third party said"})

    @validates_schema
    def _needs(self, data, **kwargs):
        missing = missing_fields(data)
        if missing:
            raise ValidationError(missing)


class CaseEventSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    kind = fields.String()
    occurred_at = fields.DateTime()
    channel = fields.String(metadata={"description": "how the debtor told us"})
    recorded_by = fields.String(allow_none=True)
    detail = fields.Dict()


class CaseRequestResultSchema(Schema):
    event = fields.Nested(CaseEventSchema)
    cancelled_visit_ids = fields.List(fields.String(), metadata={
        "description": "open visits the request forbids, cancelled with the rule's reason"})


class CallLogSchema(Schema):
    contact_point_id = fields.String(required=True, validate=validate.Length(1, 64))
    occurred_at = fields.AwareDateTime(metadata={"description": "when (default: now)"})
    connected = fields.Boolean(required=True, metadata={"description": "someone answered"})
    outcome = fields.String(validate=validate.OneOf(CALL_OUTCOMES))


class CallLoggedSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    party_id = fields.String(allow_none=True)
    contact_point_id = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    connected = fields.Boolean()
    outcome = fields.String(allow_none=True)
    findings = fields.List(fields.Dict(), metadata={
        "description": "rules the call broke (QUIET, CALL_CAP, CEASE): logged, and shown"})
