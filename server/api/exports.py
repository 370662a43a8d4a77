"""/api/v1/lender/exports: the lender's postings and field receipts as CSV, per day and agency."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.common_schemas import operation_zone
from server.api.security import current_principal, roles
from server.models import Role
from server.payments.exports import export_postings, export_receipts
from server.unit_of_work import use_case

blp = Blueprint("lender_exports", __name__, url_prefix="/lender/exports",
                description="CSV exports for the lender")
CSV_DOC = {"responses": {"200": {"description": "CSV (UTF-8)", "content": {
    "text/csv": {"schema": {"type": "string"}}}}}}


class ExportQuerySchema(Schema):
    date = fields.Date(required=True, metadata={"description": "the operation's local day"})
    agency = fields.String(required=True, validate=validate.Length(min=1, max=32))


def _answer(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/postings")
class PostingsExport(MethodView):
    @roles(Role.LENDER_OPS, Role.ADMIN)
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.doc(**CSV_DOC)
    def get(self, query):
        """The lender's postings of one day on the cases an agency had then (audited)."""
        with use_case() as session:
            text = export_postings(session, current_principal(), query["date"],
                                   query["agency"], operation_zone())
        return _answer(text, f"postings-{query['agency']}-{query['date']}.csv")


@blp.route("/receipts")
class ReceiptsExport(MethodView):
    @roles(Role.LENDER_OPS, Role.ADMIN)
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.doc(**CSV_DOC)
    def get(self, query):
        """Field receipts of one day by an agency's collectors, voided ones too (audited)."""
        with use_case() as session:
            text = export_receipts(session, current_principal(), query["date"],
                                   query["agency"], operation_zone())
        return _answer(text, f"receipts-{query['agency']}-{query['date']}.csv")
