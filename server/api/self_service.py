"""/api/v1/cases/<case_id>/self-service-links and /api/v1/self-service-links/<id>/revoke:
staff issue, list and withdraw the debtor's self-service links (docs/self-service.md)."""

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.security import current_principal, roles
from server.api.self_service_schemas import (
    IssuedLinkSchema,
    LinkIssueSchema,
    LinkRevokeSchema,
    LinkSchema,
)
from server.audit.reads import record_list
from server.messaging.links import issue_link, links_of_case, revoke_link
from server.messaging.proofs import read_proof
from server.models import Role, utcnow
from server.sync.storage import store_from_config
from server.unit_of_work import use_case

blp = Blueprint("self_service_links", __name__, url_prefix="", description="Self-service links")
STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)


def _base_url() -> str:
    return current_app.config.get("SELF_SERVICE_BASE_URL") or request.host_url


@blp.route("/cases/<case_id>/self-service-links")
class CaseLinks(MethodView):
    @roles(*STAFF)
    @blp.arguments(LinkIssueSchema)
    @blp.response(201, IssuedLinkSchema)
    def post(self, body, case_id):
        """Issue a link for the case's debtor, optionally queued as an SMS (audited)."""
        with use_case() as session:
            link, url = issue_link(session, current_principal(), case_id, body, utcnow(),
                                   current_app.config["SECRET_KEY"], _base_url())
            return {**{name: getattr(link, name) for name in LinkSchema().fields},
                    "url": url}

    @roles(*STAFF)
    @blp.response(200, LinkSchema(many=True))
    def get(self, case_id):
        """The case's links, newest first (audited)."""
        caller = current_principal()
        with use_case() as session:
            rows = links_of_case(session, caller, case_id)
            record_list(session, caller.user_id, "self_service_link", [r.id for r in rows],
                        {"case_id": case_id})
            return rows


@blp.route("/self-service-links/<link_id>/revoke")
class LinkRevoke(MethodView):
    @roles(*STAFF)
    @blp.arguments(LinkRevokeSchema)
    @blp.response(200, LinkSchema)
    def post(self, body, link_id):
        """Withdraw a link at once; an open self-service session ends with it (audited)."""
        with use_case() as session:
            return revoke_link(session, current_principal(), link_id, body["reason"],
                               utcnow())


@blp.route("/cases/<case_id>/self-service-proofs/<sha256>")
class CaseProof(MethodView):
    @roles(*STAFF, Role.COLLECTOR)
    @blp.response(200, description="The file bytes")
    @blp.doc(responses={200: {"content": {"application/octet-stream": {
        "schema": {"type": "string", "format": "binary"}, "example": "(the file's bytes)"}}}})
    def get(self, case_id, sha256):
        """Download a proof of payment the debtor sent online (the review follow-up's
        `proof_url`); collectors only on a case assigned to them (audited)."""
        with use_case() as session:
            blob, data = read_proof(session, store_from_config(current_app.config),
                                    current_principal(), case_id, sha256, utcnow())
            mimetype = blob.content_type or "application/octet-stream"
        return Response(data, mimetype=mimetype, headers={
            "ETag": f'"{sha256}"',
            "Content-Disposition": f'attachment; filename="proof-{sha256[:12]}"',
            "X-Content-Type-Options": "nosniff"})
