"""Schemas of the follow-ups endpoints."""

from marshmallow import Schema, fields, validate

from server.api.common_schemas import Instant, TeamRef, UserRef
from server.followups.service import FOLLOW_UP_STATUSES
from server.messaging.proofs import proof_path
from server.models import FollowUpKind


class FollowUpSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    visit_id = fields.String(allow_none=True)
    kind = fields.String()
    due_at = fields.DateTime()
    reason = fields.String()
    status = fields.String()
    assigned_to = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    created_at = fields.DateTime()
    proof_url = fields.Function(proof_path, dump_only=True, allow_none=True,
                                metadata={"description": "a debtor's proof of payment to "
                                          "download (review follow-ups of an upload)"})


class FollowUpQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(FOLLOW_UP_STATUSES), metadata={
        "description": "pending: inserted by the promise monitor, not yet timed by the "
                       "compliance rules (neither due nor workable yet)"})
    kind = fields.String(validate=validate.OneOf(FollowUpKind.ALL))
    case_id = fields.String()
    due_before = Instant()
    collector_id = UserRef(metadata={"description": "collector id or username"})
    team_id = TeamRef()


class CompleteSchema(Schema):
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=300))


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class PlanVisitSchema(Schema):
    on = fields.Date(required=True, metadata={"description": "the visit's date"})


class PlannedVisitSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    address_id = fields.String()
    team_id = fields.String(allow_none=True)
    status = fields.String()
    scheduled_on = fields.Date()
    purpose = fields.String()
