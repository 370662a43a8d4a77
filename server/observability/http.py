"""The API's metrics: a latency hook on every request, sync push counts, GET /metrics."""

from __future__ import annotations

import hmac

from flask import Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import case, func, select

from server.errors import Unauthenticated
from server.logging_setup import request_duration_s, route_of
from server.observability.metrics import (
    ApiMetrics,
    fact_effects_collector,
    imports_collector,
    quarantine_collector,
)

METRICS_KEY = "doorstep.metrics"
EXPOSITION_KEY = "doorstep.metrics_exposition"


def _open_quarantine_rows() -> dict[str, int]:
    from server.extensions import db
    from server.models.quarantine import QuarantinedRecord, QuarantineStatus

    stmt = (select(QuarantinedRecord.table_name, func.count())
            .where(QuarantinedRecord.status == QuarantineStatus.OPEN)
            .group_by(QuarantinedRecord.table_name))
    with db.engine.connect() as conn:
        return {table: count for table, count in conn.execute(stmt)}


def _queued_fact_effects() -> dict[str, int]:
    from server.extensions import db
    from server.facts.deferred import MAX_ATTEMPTS
    from server.models import FactEffect

    # retrying: a fact whose effects failed (queued alone with its error), tried again by the
    # sweep; failed: given up after MAX_ATTEMPTS, for an operator.
    state = case((FactEffect.attempts >= MAX_ATTEMPTS, "failed"),
                 (FactEffect.attempts > 0, "retrying"), else_="waiting")
    counts = {"waiting": 0, "retrying": 0, "failed": 0}
    with db.engine.connect() as conn:
        counts.update(conn.execute(select(state, func.count()).group_by(state)).all())
    return counts


def _imports_in_flight() -> dict[str, int]:
    from server.extensions import db
    from server.imports.background import QUEUED, RUNNING
    from server.models import ImportRun

    counts = {QUEUED: 0, RUNNING: 0}
    with db.engine.connect() as conn:
        counts.update(conn.execute(select(ImportRun.status, func.count())
                                   .where(ImportRun.status.in_(list(counts)))
                                   .group_by(ImportRun.status)).all())
    return counts


def _observe(response):
    seconds = request_duration_s()
    if seconds is not None:
        api_metrics().observe_request(route_of(), request.method, response.status_code, seconds)
    return response


def api_metrics() -> ApiMetrics:
    """This app's metric families."""
    return current_app.extensions[METRICS_KEY]


def count_push(answer: dict) -> None:
    """Count a committed sync push's applied and rejected rows."""
    api_metrics().observe_push(answer)


def metrics_view():
    """Prometheus text exposition; with METRICS_TOKEN set, only for `Bearer <token>`."""
    token = current_app.config.get("METRICS_TOKEN", "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 token.encode()):
            raise Unauthenticated("a valid metrics token is required")
    body = generate_latest(current_app.extensions[EXPOSITION_KEY])
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """A fresh registry per app (test apps never clash); /metrics only when METRICS_ENABLED."""
    registry = CollectorRegistry()
    app.extensions[METRICS_KEY] = ApiMetrics(registry)
    quarantine = quarantine_collector(_open_quarantine_rows, app.config.get("METRICS_CACHE_S", 5))
    effects = fact_effects_collector(_queued_fact_effects, app.config.get("METRICS_CACHE_S", 5))
    imports = imports_collector(_imports_in_flight, app.config.get("METRICS_CACHE_S", 5))
    registry.register(quarantine)
    registry.register(effects)
    registry.register(imports)
    exposition = registry
    if app.config.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn workers write their samples to files there; any worker reads them all.
        exposition = CollectorRegistry()
        MultiProcessCollector(exposition, path=app.config["PROMETHEUS_MULTIPROC_DIR"])
        exposition.register(quarantine)
        exposition.register(effects)
        exposition.register(imports)
    app.extensions[EXPOSITION_KEY] = exposition
    app.after_request(_observe)
    if app.config.get("METRICS_ENABLED"):
        app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
