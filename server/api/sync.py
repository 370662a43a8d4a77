"""GET /api/v1/sync/pull and POST /api/v1/sync/push: the WatermelonDB-compatible protocol."""

from __future__ import annotations

import gzip
import hashlib
from zoneinfo import ZoneInfo

import orjson
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.cases import replanner
from server.api.fact_effects import drain_after_response
from server.api.push_spec import push_request_body
from server.api.security import current_principal, roles
from server.api.sync_schemas import (
    PullQuerySchema,
    PullResponseSchema,
    PushQuerySchema,
    PushResponseSchema,
    push_body_changes,
    read_json_body,
)
from server.clock import operation_zone
from server.errors_http import error_response
from server.facts.deferred import EFFECT_TABLES
from server.models import Role, utcnow
from server.observability.http import count_push
from server.sync.devices import clock_offset_from_header
from server.sync.errors import SchemaTooOld
from server.sync.push import PushContext
from server.sync.scope import Who
from server.sync.service import pull, push
from server.sync.settings import MAX_PUSH_BYTES
from server.unit_of_work import use_case

blp = Blueprint("sync", __name__, url_prefix="/sync", description="Offline sync (WatermelonDB)")
GZIP_MIN_BYTES = 1024


def _who() -> Who:
    tz = operation_zone(current_app.config)
    now = utcnow()
    return Who(current_principal().user_id, now, now.astimezone(ZoneInfo(tz)).date(), tz)


@blp.route("/pull")
class Pull(MethodView):
    @roles(Role.COLLECTOR)
    @blp.arguments(PullQuerySchema, location="query")
    @blp.response(200, PullResponseSchema)
    def get(self, query):
        """Changes for this collector's device since `last_pulled_at` (everything when empty)."""
        with use_case() as session:
            answer = pull(session, _who(), query, request.headers.get("X-Device-Id"),
                          current_principal().device_id)
        # The rows are wire values already (str, int, float, bool, None): encoded straight
        # with orjson, not walked by the schema and Flask's key-sorting encoder (decision D-orjson).
        return Response(orjson.dumps(answer), mimetype="application/json")


@blp.route("/push")
class Push(MethodView):
    @roles(Role.COLLECTOR)
    @blp.arguments(PushQuerySchema, location="query")
    @blp.doc(requestBody=push_request_body())
    @blp.response(200, PushResponseSchema)
    def post(self, query):
        """Apply the device's changes; rows that can't be applied come back as rejected ids."""
        raw = request.get_data(cache=False)
        changes, body_cursor = push_body_changes(
            read_json_body(raw, request.headers.get("Content-Encoding"), MAX_PUSH_BYTES))
        who = _who()
        offset, problem = clock_offset_from_header(request.headers.get("X-Device-Time"), who.now)
        ctx = PushContext(who, request.headers.get("X-Device-Id"), offset,
                          {"X-Device-Time": [problem]} if problem else None,
                          replanner(who.collector_id))
        with use_case() as session:
            answer = push(session, ctx, changes, query["last_pulled_at"] or body_cursor,
                          current_principal().device_id, request.headers.get("Idempotency-Key"),
                          hashlib.sha256(raw).hexdigest())
        count_push(answer)
        if answer["applied"].keys() & set(EFFECT_TABLES):
            drain_after_response()
        return answer


@blp.errorhandler(SchemaTooOld)
def _schema_too_old(exc: SchemaTooOld):
    """426: the app must be updated before it can sync again."""
    return error_response(426, exc.message, exc.errors)


@blp.after_request
def _gzip(response):
    """gzip answers when the client accepts it (first syncs are large)."""
    accepts = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    if (not accepts or response.direct_passthrough or response.status_code >= 300
            or "Content-Encoding" in response.headers):
        return response
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response
