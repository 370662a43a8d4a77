"""Schemas of placement and recall (lender operations)."""

from marshmallow import Schema, ValidationError, fields, validate

from server.cases.placement import RECALL_REASONS
from server.cases.request_values import COMPLAINT_CATEGORIES

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


NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL")  # PostgreSQL text


class PlacementShareSchema(Schema):
    agency = fields.String(required=True, validate=[validate.Length(min=1, max=32), NO_NUL])
    share = fields.Integer(required=True, validate=validate.Range(min=1, max=100),
                           metadata={"description": "percent of the rule's cases"})
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10_000_000),
                              metadata={"description": "most open placements of this "
                                                       "lender's cases the agency may hold"})


def _money(**kw):
    return fields.Decimal(places=2, allow_none=True, as_string=True, **kw)


class PlacementRuleSchema(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=80), NO_NUL])
    bucket = fields.List(fields.String(validate=[validate.Length(min=1, max=8), NO_NUL]),
                         validate=validate.Length(max=20))
    dpd_min = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    dpd_max = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    city = fields.List(fields.String(validate=[validate.Length(min=1, max=64), NO_NUL]),
                       validate=validate.Length(max=200))
    balance_min = _money()
    balance_max = _money()
    agencies = fields.List(fields.Nested(PlacementShareSchema), required=True,
                           validate=validate.Length(min=1, max=50))


class PlacementByRulesSchema(Schema):
    lender = fields.String(**_LENDER)
    rules = fields.List(fields.Nested(PlacementRuleSchema), required=True,
                        validate=validate.Length(min=1, max=50),
                        metadata={"description": "in order: a case takes the first it matches"})
    dry_run = fields.Boolean(load_default=True, metadata={
        "description": "true (the default): preview only, nothing changes"})
    ends_on = fields.Date(allow_none=True)


class PlacementRuleResultSchema(Schema):
    name = fields.String()
    matched = fields.Integer()
    agencies = fields.Dict(keys=fields.String(), values=fields.Integer())


class PlacementByRulesResultSchema(Schema):
    dry_run = fields.Boolean()
    candidates = fields.Integer(metadata={"description": "active cases not placed anywhere"})
    rules = fields.List(fields.Nested(PlacementRuleResultSchema))
    placed = fields.Dict(keys=fields.String(), values=fields.Integer())
    cases = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "per agency, the first 100 case ids given to it"})
    unmatched = fields.Integer(metadata={"description": "cases no rule matched"})
    no_room = fields.Integer(metadata={"description": "matched, but every agency was full"})
    unplaced_cases = fields.List(fields.String())


def _fraction(value) -> None:
    # not validate.Range: the spec would carry its bounds as strings (as_string)
    if not 0 < value <= 1:
        raise ValidationError("a fraction above 0, at most 1")


class RecallRuleSchema(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=80), NO_NUL])
    kind = fields.String(required=True, validate=validate.OneOf(("performance", "complaints")))
    placed_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3650),
                                 metadata={"description": "performance: placed at least this "
                                                          "many days ago (required)"})
    within_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3650),
                                 metadata={"description": "judge only the placement's last N "
                                                          "days (default: all of it)"})
    no_right_party_contact = fields.Boolean(load_default=False)
    no_payment = fields.Boolean(load_default=False)
    recovery_rate_below = fields.Decimal(
        places=4, as_string=True, allow_none=True,
        validate=_fraction,
        metadata={"description": "money counted ÷ (money counted + outstanding), a fraction"})
    min_complaints = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=1000))
    upheld = fields.Boolean(load_default=False, metadata={
        "description": "complaints: only cases with an upheld complaint"})
    categories = fields.List(fields.String(validate=validate.OneOf(COMPLAINT_CATEGORIES)),
                             validate=validate.Length(max=20))


class RecallByRulesSchema(Schema):
    lender = fields.String(**_LENDER)
    agencies = fields.List(fields.String(validate=[validate.Length(min=1, max=32), NO_NUL]),
                           validate=validate.Length(max=50),
                           metadata={"description": "only cases placed with these agencies"})
    rules = fields.List(fields.Nested(RecallRuleSchema), required=True,
                        validate=validate.Length(min=1, max=20),
                        metadata={"description": "in order: a case takes the first it matches"})
    dry_run = fields.Boolean(load_default=True, metadata={
        "description": "true (the default): preview only, nothing changes"})
    return_case = fields.Boolean(load_default=False, metadata={
        "description": "true: the cases go back to the lender (退案) and are closed"})
    note = fields.String(allow_none=True, validate=[validate.Length(max=300), NO_NUL])
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000),
                           metadata={"description": "cases listed in the answer"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class RecallRuleResultSchema(Schema):
    name = fields.String()
    kind = fields.String()
    matched = fields.Integer()


class RecalledCaseSchema(Schema):
    case = fields.String(metadata={"description": "the lender's case id"})
    agency = fields.String()
    rule = fields.String()
    reason = fields.String(metadata={"description": "the recall's reason: performance, "
                                                    "complaint"})
    placed_at = fields.DateTime()
    days_placed = fields.Integer()
    why = fields.String()


class RecallByRulesResultSchema(PlacementResultSchema):
    dry_run = fields.Boolean()
    candidates = fields.Integer(metadata={"description": "active cases placed with agencies"})
    matched = fields.Integer(metadata={"description": "cases the rules select (all pages)"})
    rules = fields.List(fields.Nested(RecallRuleResultSchema))
    agencies = fields.Dict(keys=fields.String(), values=fields.Integer())
    cases = fields.List(fields.Nested(RecalledCaseSchema))
    offset = fields.Integer()
    limit = fields.Integer()


class StandingRecallRulesSchema(Schema):
    lender = fields.String(**_LENDER)
    agencies = RecallByRulesSchema().fields["agencies"]
    rules = fields.List(fields.Nested(RecallRuleSchema), required=True,
                        validate=validate.Length(min=1, max=20),
                        metadata={"description": "in order: a case takes the first it matches"})
    active = fields.Boolean(load_default=True, metadata={
        "description": "false: kept, not applied by the nightly job"})
    return_case = fields.Boolean(load_default=False)
    note = fields.String(allow_none=True, validate=[validate.Length(max=300), NO_NUL])


class StandingRecallRulesQuerySchema(Schema):
    lender = fields.String(**_LENDER)


class StandingRecallRulesResultSchema(Schema):
    lender = fields.String()
    agencies = fields.List(fields.String())
    rules = fields.List(fields.Nested(RecallRuleSchema))
    active = fields.Boolean()
    return_case = fields.Boolean()
    note = fields.String(allow_none=True)
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()
    last_run_at = fields.DateTime(allow_none=True)
    last_result = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                              metadata={"description": "counts of the last nightly run"})
    last_error = fields.String(allow_none=True, metadata={
        "description": "why the last nightly run recalled nothing (an agency gone)"})
