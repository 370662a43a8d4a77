"""Schemas of the route plan endpoints (stored plans are served as views with ISO times)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.api.common_schemas import TeamRef, UserRef

_Time = {"metadata": {"format": "date-time"}, "allow_none": True}


class PlanRequestSchema(Schema):
    date = fields.Date(required=True)
    team = fields.String(metadata={"description": "team id or code"})
    collectors = fields.List(fields.String(), validate=validate.Length(1, 500),
                         metadata={"description": "collector ids or usernames"})
    two_person = fields.String(validate=validate.OneOf(["meet", "ride_together"]), metadata={
        "description": "meet: each collector their own route, both at a two-person visit "
                       "within ROUTING_MEET_TOLERANCE_MIN (default: ROUTING_TWO_PERSON, meet); "
                       "ride_together: the pair shares one route all day"})
    background = fields.Boolean(load_default=False, metadata={
        "description": "plan in the background (always so for a team): 202 and a run"})

    @validates_schema
    def one_target(self, data, **kwargs):
        if ("team" in data) == ("collectors" in data):
            raise ValidationError("give either team or collectors", "team")


class PlanQuerySchema(Schema):
    date = fields.Date(required=True)
    collector = UserRef(metadata={"description": "collector id or username"})
    team = TeamRef()


class MyRouteQuerySchema(Schema):
    date = fields.Date(metadata={"description": "default: today in your team's time zone"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "geojson"]))


class PointSchema(Schema):
    lat = fields.Float()
    lng = fields.Float()


class StopSchema(Schema):
    position = fields.Integer()
    visit_id = fields.String()
    eta = fields.String(**_Time)
    service_start = fields.String(**_Time)
    service_end = fields.String(**_Time)
    window_start = fields.String(**_Time)
    window_end = fields.String(**_Time)
    leg_distance_m = fields.Integer()
    leg_duration_s = fields.Integer()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)


class DroppedSchema(Schema):
    visit_id = fields.String()
    mandatory = fields.Boolean()
    reason = fields.String()


class RoutePlanSchema(Schema):
    id = fields.String()
    collector_id = fields.String()
    partner_id = fields.String(allow_none=True)
    plan_date = fields.String(metadata={"format": "date"})
    status = fields.String()
    created_at = fields.String(**_Time)
    created_by = fields.String(allow_none=True)
    depart_at = fields.String(**_Time)
    return_at = fields.String(**_Time)
    start = fields.Nested(PointSchema, allow_none=True)
    end = fields.Nested(PointSchema, allow_none=True)
    total_distance_m = fields.Integer()
    total_duration_s = fields.Integer()
    solver = fields.Dict()
    stops = fields.List(fields.Nested(StopSchema))
    dropped = fields.List(fields.Nested(DroppedSchema))
    geojson = fields.Dict(metadata={"description": "RFC 7946 FeatureCollection"})


class PlannedDaySchema(Schema):
    plan_date = fields.Date()
    plans = fields.List(fields.Nested(RoutePlanSchema))


class PlanningRunSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "queued, running, completed or failed"})
    plan_date = fields.Date()
    team_id = fields.String(allow_none=True)
    collectors = fields.List(fields.String(), allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    heartbeat_at = fields.DateTime(allow_none=True)
    vehicles_done = fields.Integer(metadata={"description": "routes solved so far"})
    vehicles_total = fields.Integer(allow_none=True, metadata={
        "description": "routes to solve (collectors and pairs), known once planning started"})
    report = fields.Dict(metadata={
        "description": "completed: plans, routes, dropped, mandatory_dropped, fallback_plans; "
                       "failed: error.message"})
