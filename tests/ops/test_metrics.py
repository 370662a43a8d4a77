"""/metrics: off unless enabled, behind its token, labelled by route template, never by value."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete

from server import create_app
from server.extensions import db
from server.facts.deferred import MAX_ATTEMPTS
from server.models import FactEffect, QuarantinedRecord
from tests.integration.sync import facts
from tests.integration.sync.conftest import build_world, push
from tests.ops.conftest import scrape


def samples(text: str, name: str) -> dict:
    """{labels as a sorted tuple: value} of one sample name in an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_metrics_are_not_served_unless_enabled(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.test_client().get("/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(metrics_client):
    assert metrics_client.get("/metrics").status_code == 401
    wrong = metrics_client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"


def test_request_latency_is_labelled_by_route_template_method_and_status_class(metrics_client):
    visit_id = "0f6c3b1e-visit-not-there"
    metrics_client.get("/api/v1/health/live")
    metrics_client.get(f"/api/v1/visits/{visit_id}")  # 401: no token
    metrics_client.get("/no/such/thing/12345")
    text = scrape(metrics_client)
    counts = samples(text, "doorstep_http_request_duration_seconds_count")
    routes = {dict(labels)["route"]: dict(labels) for labels in counts}
    assert routes["/api/v1/health/live"] == {"route": "/api/v1/health/live", "method": "GET",
                                             "status": "2xx"}
    assert any(r.startswith("/api/v1/visits/<") and v["status"] == "4xx"
               for r, v in routes.items())
    assert "<unmatched>" in routes
    assert visit_id not in text and "12345" not in text


def test_sync_push_counts_applied_and_rejected_rows_and_the_open_quarantine(metrics_app,
                                                                             metrics_client):
    world = build_world(metrics_app, metrics_client, per_collector=1)
    visit = world.visits["ann"][0]
    good, bad = facts.check_in(visit), facts.check_in(visit, lat="north")
    before = scrape(metrics_client)
    push(metrics_client, world.tokens["ann"], {"check_ins": {"created": [good, bad]}})
    after = scrape(metrics_client)

    def delta(name):
        key = (("table", "check_ins"),)
        return samples(after, name).get(key, 0) - samples(before, name).get(key, 0)

    assert delta("doorstep_sync_rows_applied_total") == 1
    assert delta("doorstep_sync_rows_rejected_total") == 1
    with metrics_app.app_context():
        open_rows = db.session.query(QuarantinedRecord).filter_by(status="open").count()
    assert samples(after, "doorstep_sync_quarantine_open_rows") == {
        (("table", "check_ins"),): open_rows}
    assert open_rows == 1


def test_the_fact_effects_queue_is_a_gauge_of_waiting_and_failed_pushes(metrics_app,
                                                                         metrics_client):
    with metrics_app.app_context():
        db.session.execute(delete(FactEffect))
        db.session.add_all([FactEffect(facts={"check_ins": ["a"]}, attempts=0),
                            FactEffect(facts={"check_ins": ["b"]}, attempts=1),
                            FactEffect(facts={"check_ins": ["c"]}, attempts=MAX_ATTEMPTS,
                                       last_error="RuntimeError: boom")])
        db.session.commit()
    try:
        assert samples(scrape(metrics_client), "doorstep_sync_effects_queued_pushes") == {
            (("state", "waiting"),): 1, (("state", "retrying"),): 1, (("state", "failed"),): 1}
    finally:
        with metrics_app.app_context():
            db.session.execute(delete(FactEffect))
            db.session.commit()


def test_background_imports_in_flight_are_a_gauge_by_status(metrics_app, metrics_client):
    from server.models import ImportRun

    with metrics_app.app_context():
        db.session.add_all([ImportRun(file_sha256="0" * 64, file_format="csv", status=status)
                            for status in ("queued", "queued", "running", "completed")])
        db.session.commit()
    try:
        assert samples(scrape(metrics_client), "doorstep_imports_in_flight") == {
            (("status", "queued"),): 2, (("status", "running"),): 1}
    finally:
        with metrics_app.app_context():
            db.session.execute(delete(ImportRun))
            db.session.commit()
