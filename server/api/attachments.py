"""PUT/GET /api/v1/attachments/<sha256>: content-addressed photos and recordings."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.attachment_schemas import (
    SHA256_PARAMETER,
    UPLOAD_BODY,
    BlobSchema,
    UploadQuerySchema,
)
from server.api.security import current_principal, roles
from server.models import Role, utcnow
from server.sync.attachments import MAX_ATTACHMENT_BYTES, read_attachment, store_attachment
from server.sync.storage import store_from_config
from server.unit_of_work import use_case

blp = Blueprint("attachments", __name__, url_prefix="/attachments",
                description="Attachment files")


@blp.route("/<string:sha256>", parameters=[SHA256_PARAMETER])
class AttachmentByHash(MethodView):
    @roles(Role.COLLECTOR)
    @blp.arguments(UploadQuerySchema, location="query")
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, BlobSchema)
    @blp.alt_response(200, schema=BlobSchema, description="Already stored")
    def put(self, query, sha256):
        """Upload a file under its SHA-256 for one of your visits: 201 stored, 200 already there."""
        p = current_principal()
        limit = current_app.config.get("ATTACHMENT_MAX_BYTES", MAX_ATTACHMENT_BYTES)
        with use_case() as session:
            blob, created = store_attachment(
                session, store_from_config(current_app.config), sha256,
                request.get_data(cache=False), request.mimetype or None, p.user_id, utcnow(),
                query["visit_id"], limit)
            return blob, (201 if created else 200)

    @roles(Role.COLLECTOR, Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
    @blp.response(200, description="The file bytes")
    @blp.doc(responses={200: {"content": {"application/octet-stream": {
        "schema": {"type": "string", "format": "binary"}, "example": "(the file's bytes)"}}}})
    def get(self, sha256):
        """Download a file named by a fact on a visit you see and uploaded for that visit."""
        with use_case() as session:
            blob, data = read_attachment(session, store_from_config(current_app.config),
                                         sha256, current_principal())
            mimetype = blob.content_type or "application/octet-stream"
        return Response(data, mimetype=mimetype, headers={"ETag": f'"{sha256}"'})
