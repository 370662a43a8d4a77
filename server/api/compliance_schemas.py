"""Schemas of the compliance endpoints (profiles, effective profile, violations)."""

from marshmallow import Schema, fields, validate

from server.api.common_schemas import Instant, UserRef
from server.compliance.engine import Rule
from server.compliance.profile_store import Scope
from server.compliance.violations import REVIEW_STATUSES

_CODE = validate.Regexp(r"^[A-Za-z0-9_\-+.]{1,32}$")


class ProfileSchema(Schema):
    id = fields.String()
    code = fields.String()
    scope = fields.String()
    jurisdiction = fields.String(allow_none=True)
    agency_id = fields.String(allow_none=True)
    version = fields.Integer()
    params = fields.Dict()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class ProfileVersionSchema(Schema):
    version = fields.Integer()
    params = fields.Dict()
    changed_by = fields.String(allow_none=True)
    changed_at = fields.DateTime()
    reason = fields.String(allow_none=True)


class ProfileDetailSchema(ProfileSchema):
    versions = fields.List(fields.Nested(ProfileVersionSchema))


class ProfileQuerySchema(Schema):
    scope = fields.String(validate=validate.OneOf(Scope.ALL))


class ProfileUpdateSchema(Schema):
    params = fields.Dict(required=True, metadata={"description": "every parameter of the profile"})
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))
    version = fields.Integer(metadata={"description": "the version edited (409 when stale)"})


class ProfileCreateSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    scope = fields.String(required=True, validate=validate.OneOf(Scope.ALL))
    agency_id = fields.String(metadata={"description": "the lender or agency it applies to"})
    params = fields.Dict(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class EffectiveQuerySchema(Schema):
    case_id = fields.String(required=True)


class EffectiveSchema(Schema):
    case_id = fields.String()
    profiles = fields.List(fields.Dict())
    params = fields.Dict()


class ViolationSchema(Schema):
    id = fields.String()
    rule = fields.String()
    severity = fields.String()
    case_id = fields.String(allow_none=True)
    visit_id = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)
    fact_table = fields.String(allow_none=True)
    fact_id = fields.String(allow_none=True)
    message = fields.String()
    detail = fields.Dict()
    detected_at = fields.DateTime()
    status = fields.String()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    review_note = fields.String(allow_none=True)


class ViolationQuerySchema(Schema):
    rule = fields.String(validate=validate.OneOf(tuple(Rule)))
    status = fields.String(validate=validate.OneOf(("open", "resolved", *REVIEW_STATUSES)))
    collector_id = UserRef(metadata={"description": "collector id or username"})
    case_id = fields.String()
    from_ = Instant(data_key="from", attribute="from")
    to = Instant(end_of_day=True)


class ViolationReviewSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(REVIEW_STATUSES))
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))
