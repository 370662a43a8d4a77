"""/api/v1/selection: history import, the model registry, the day's scored choice, overrides
and the monthly champion / challenger report."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.security import current_principal, roles
from server.api.selection_schemas import (
    ApproveSchema,
    DayRequestSchema,
    DaySchema,
    HistoryOptionsSchema,
    HistoryRunSchema,
    HistoryUploadSchema,
    ModelSchema,
    OverrideSchema,
    ReportQuerySchema,
    ReportSchema,
    ScoreQuerySchema,
    ScoreSchema,
)
from server.models import Role, utcnow
from server.selection.history import HistoryFile, import_history
from server.selection.overrides import override_score
from server.selection.queries import day_scores, list_models
from server.selection.registry import approve_model
from server.selection.report import monthly_report
from server.selection.scoring import DayRequest, SelectionSettings, score_day
from server.unit_of_work import use_case

blp = Blueprint("selection", __name__, url_prefix="/selection", description="Visit selection")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
PLANNERS = (Role.DISPATCHER, Role.ADMIN)
OFFICERS = (Role.COMPLIANCE, Role.ADMIN)


def _settings() -> SelectionSettings:
    cfg = current_app.config
    return SelectionSettings(cfg["SELECTION_HOLDOUT_SHARE"], cfg["SELECTION_SEED"])


@blp.route("/history")
class History(MethodView):
    @roles(Role.ADMIN, Role.LENDER_OPS)
    @blp.arguments(HistoryOptionsSchema, location="form")
    @blp.arguments(HistoryUploadSchema, location="files")
    @blp.response(201, HistoryRunSchema)
    def post(self, form, files):
        """Import the lender's past collection history (CSV); rejected rows are reported."""
        upload = files["file"]
        request = HistoryFile(upload.stream, upload.filename, form.get("lender"),
                              current_principal().user_id)
        with use_case() as session:
            return import_history(session, request)


@blp.route("/models")
class Models(MethodView):
    @roles(*STAFF)
    @blp.response(200, ModelSchema(many=True))
    def get(self):
        """The model registry, newest first (the approved one decides)."""
        with use_case() as session:
            return list_models(session)


@blp.route("/models/<model_id>/approve")
class ApproveModel(MethodView):
    @roles(*OFFICERS)
    @blp.arguments(ApproveSchema)
    @blp.response(200, ModelSchema)
    def post(self, body, model_id):
        """Approve a trained model: from now on it decides (audited)."""
        with use_case() as session:
            return approve_model(session, current_principal().user_id, model_id, body["note"],
                                 utcnow())


@blp.route("/days")
class Days(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(DayRequestSchema)
    @blp.response(200, DaySchema)
    def post(self, body):
        """Score a team's cases for a day and choose the visits within its capacity."""
        req = DayRequest(body["team"], body["date"], body.get("capacity"))
        with use_case() as session:
            return score_day(session, current_principal(), req, utcnow(), _settings())


@blp.route("/scores")
class Scores(MethodView):
    @roles(*STAFF)
    @blp.arguments(ScoreQuerySchema, location="query")
    @blp.response(200, ScoreSchema(many=True))
    def get(self, query):
        """A team's scores of a day: value, reasons, choice, overrides (audited)."""
        with use_case() as session:
            return day_scores(session, current_principal(), query["team"], query["date"])


@blp.route("/scores/<score_id>/override")
class OverrideScore(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(OverrideSchema)
    @blp.response(200, ScoreSchema)
    def post(self, body, score_id):
        """Include or exclude a case on its day whatever the model said (recorded, audited)."""
        with use_case() as session:
            return override_score(session, current_principal(), score_id, body["action"],
                                  body["reason"], utcnow())


@blp.route("/report")
class Report(MethodView):
    @roles(*STAFF)
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, ReportSchema)
    def get(self, query):
        """The month's model arm against the hold-out, with 95 % intervals, and drift."""
        year, month = map(int, query["month"].split("-"))
        with use_case() as session:
            return monthly_report(session, current_principal(), date(year, month, 1),
                                  utcnow())
