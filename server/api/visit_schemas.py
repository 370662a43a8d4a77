"""Schemas of the visits endpoints."""

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from server.api.common_schemas import MONEY, TeamRef, UserRef
from server.compliance.engine import Rule
from server.models import VisitStatus

_RULES = [str(r) for r in Rule]
_Overrides = fields.Dict(
    keys=fields.String(validate=validate.OneOf(_RULES)),
    values=fields.String(validate=validate.Length(1, 300)),
    metadata={"description": "rule id -> reason, e.g. {\"TWO_PERSON\": \"debtor's sister asked\"}"},
)


class AssigneeSchema(Schema):
    user_id = fields.String()
    role = fields.String()
    assigned_at = fields.DateTime()
    assigned_by = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)


class FindingSchema(Schema):
    rule = fields.String()
    severity = fields.String()
    message = fields.String()
    details = fields.Dict()
    override_reason = fields.String()


class VisitSchema(Schema):
    id = fields.String(dump_only=True)
    case_id = fields.String()
    address_id = fields.String()
    team_id = fields.String(allow_none=True)
    status = fields.String()
    scheduled_on = fields.Date()
    window_start = fields.DateTime(allow_none=True)
    window_end = fields.DateTime(allow_none=True)
    mandatory = fields.Boolean()
    purpose = fields.String()
    talking_points = fields.String(allow_none=True)
    offer = fields.String(allow_none=True)
    required_collectors = fields.Integer()
    priority = fields.Integer()
    service_minutes = fields.Integer()
    outcome_code = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    version = fields.Integer()
    assignees = fields.List(fields.Nested(AssigneeSchema))
    findings = fields.List(fields.Nested(FindingSchema),
                           metadata={"description": "warnings and overridden blocks"})


class VisitCreatedSchema(VisitSchema):
    """The created visit; `{"visits": [...]}` when a list was sent."""

    def dump(self, obj, *, many=None):
        if isinstance(obj, dict) and "visits" in obj:
            return {"visits": VisitSchema(many=True).dump(obj["visits"])}
        return super().dump(obj, many=many)


def _window_pair(data):
    start, end = data.get("window_start"), data.get("window_end")
    if (start is None) != (end is None):
        raise ValidationError("give window_start and window_end together", "window_end")
    if start is not None and end <= start:
        raise ValidationError("must be after window_start", "window_end")


class VisitPlanSchema(Schema):
    case_id = fields.String(required=True, validate=validate.Length(1, 64))
    address_id = fields.String(required=True, validate=validate.Length(1, 64))
    scheduled_on = fields.Date(required=True)
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True)
    team_id = fields.String(allow_none=True, validate=validate.Length(1, 64))
    purpose = fields.String(validate=validate.Length(1, 200))
    talking_points = fields.String(allow_none=True)
    offer = fields.String(allow_none=True)
    mandatory = fields.Boolean()
    required_collectors = fields.Integer(validate=validate.Range(1, 4))
    priority = fields.Integer(validate=validate.Range(-100, 100))
    service_minutes = fields.Integer(validate=validate.Range(1, 480))
    assignees = fields.List(fields.String(validate=validate.Length(1, 64)),
                            validate=validate.Length(max=4),
                            metadata={"description": "collector ids; the first leads"})
    overrides = _Overrides

    @validates_schema
    def _window(self, data, **kwargs):
        _window_pair(data)


class VisitCreateSchema(Schema):
    """One visit plan, or {"visits": [plan, ...]} (created all or none)."""

    visits = fields.List(fields.Nested(VisitPlanSchema), required=True,
                         validate=validate.Length(1, 500))
    single = fields.Boolean(load_only=True, load_default=False)

    @pre_load
    def _one_or_many(self, data, **kwargs):
        if isinstance(data, dict) and "visits" not in data:
            return {"visits": [data], "single": True}
        return data

    def handle_error(self, error, data, *, many, **kwargs):
        # A single plan's field errors are reported flat, as if it had been sent alone.
        nested = error.messages.get("visits") if isinstance(error.messages, dict) else None
        if isinstance(data, dict) and "visits" not in data and isinstance(nested, dict):
            raise ValidationError(nested.get(0, nested)) from error
        raise error


class VisitUpdateSchema(Schema):
    version = fields.Integer(metadata={"description": "the version you read (or If-Match)"})
    assignees = fields.List(fields.String(validate=validate.Length(1, 64)),
                            validate=validate.Length(max=4))
    overrides = _Overrides
    scheduled_on = fields.Date()
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True)
    status = fields.String(validate=validate.OneOf([VisitStatus.CANCELLED]))
    cancel_reason = fields.String(validate=validate.Length(1, 200))

    @validates_schema
    def _consistent(self, data, **kwargs):
        changes = set(data) - {"version", "overrides"}
        if not changes:
            raise ValidationError("nothing to change", "_schema")
        if data.get("status") == VisitStatus.CANCELLED:
            if not data.get("cancel_reason"):
                raise ValidationError("a cancellation needs a reason", "cancel_reason")
            if changes - {"status", "cancel_reason"}:
                raise ValidationError("cancel on its own, without other changes", "status")


class VisitQuerySchema(Schema):
    date = fields.Date()
    team = TeamRef()
    collector = UserRef(metadata={"description": "collector id or username"})
    case_id = fields.String(validate=validate.Length(1, 64))
    status = fields.String(validate=validate.OneOf(VisitStatus.ALL))


class WorkloadQuerySchema(Schema):
    date = fields.Date(required=True)
    team = TeamRef()


class WorkloadSchema(Schema):
    user_id = fields.String()
    username = fields.String()
    display_name = fields.String()
    team_id = fields.String(allow_none=True)
    date = fields.Date()
    visits = fields.Integer()
    outstanding = fields.Decimal(as_string=True, metadata=MONEY)
    capacity = fields.Integer()
    remaining = fields.Integer()
    overbooked = fields.Boolean()


class AutoAssignSchema(Schema):
    team = fields.String(required=True, metadata={"description": "team id or code"})
    date = fields.Date(required=True)
    balance = fields.String(load_default="count", validate=validate.OneOf(["count", "amount"]))
    dry_run = fields.Boolean(load_default=False)


class AutoAssignedSchema(Schema):
    visit_id = fields.String()
    case_id = fields.String()
    collector_ids = fields.List(fields.String())
    distance_km = fields.Float()


class LeftOutSchema(Schema):
    visit_id = fields.String()
    case_id = fields.String()
    reason = fields.String()


class ExcludedSchema(Schema):
    user_id = fields.String()
    reason = fields.String()


class AutoAssignResultSchema(Schema):
    team_id = fields.String()
    date = fields.Date()
    balance = fields.String()
    dry_run = fields.Boolean()
    assigned = fields.List(fields.Nested(AutoAssignedSchema))
    unassigned = fields.List(fields.Nested(LeftOutSchema))
    pairs = fields.List(fields.List(fields.String()))
    excluded_collectors = fields.List(fields.Nested(ExcludedSchema))
