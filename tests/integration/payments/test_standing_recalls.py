"""Standing recall rules: a lender stores its recall rules (checked, audited) and the nightly
job applies them as a real run; a second night recalls nothing more."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Placement, StandingRecallRules, Visit
from tests.integration.payments.test_recall_rules import SILENT, _world
from tests.support import factories as f
from tests.support.api import bearer, login

URL = "/api/v1/placements/recall/standing-rules"
COMPLAINTS = {"name": "two", "kind": "complaints", "min_complaints": 2}


def _job(runner) -> None:
    result = runner.invoke(args=["jobs", "run-once", "standing_recalls"])
    assert result.exit_code == 0, result.output


def _placed(app, case_id) -> bool:
    with app.app_context():
        return db.session.scalar(select(Placement.id).where(
            Placement.case_id == case_id, Placement.returned_at.is_(None))) is not None


def test_stored_rules_are_shown_to_their_lender_only_and_audited(app, client):
    w = _world(app, client)
    assert client.get(URL, headers=w.ops).status_code == 404
    rules = [{**SILENT, "recovery_rate_below": "0.05", "no_right_party_contact": False}]
    put = client.put(URL, headers=w.ops, json={"rules": rules, "agencies": [w.a]})
    assert put.status_code == 200, put.get_json()
    shown = client.get(URL, headers=w.ops).get_json()
    assert shown["agencies"] == [w.a] and shown["active"] is True
    assert shown["rules"][0]["recovery_rate_below"] == "0.0500"
    assert shown["last_run_at"] is None
    assert client.get(URL, headers=w.stranger).status_code == 404
    with app.app_context():
        s = db.session
        admin = f.user(s, "admin").username
        lender_code = shown["lender"]
        s.commit()
        assert s.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "placement.standing_recall_rules")) is not None
    as_admin = client.get(URL, headers=bearer(login(client, admin)),
                          query_string={"lender": lender_code})
    assert as_admin.status_code == 200 and as_admin.get_json()["agencies"] == [w.a]


def test_bad_standing_rules_are_a_422_and_nothing_is_stored(app, client):
    w = _world(app, client)
    for body, field in (({"rules": [SILENT], "agencies": ["NO-SUCH"]}, "agencies"),
                        ({"rules": [{"kind": "performance", "no_payment": True}]},
                         "rules.0.placed_days"),
                        ({"rules": []}, "rules")):
        response = client.put(URL, headers=w.ops, json=body)
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["errors"]
    assert client.get(URL, headers=w.ops).status_code == 404


def test_the_nightly_job_applies_active_rules_once(app, client, runner):
    w = _world(app, client)
    client.put(URL, headers=w.ops, json={"rules": [SILENT, COMPLAINTS], "agencies": [w.a]})
    client.put(URL, headers=w.stranger, json={"rules": [SILENT], "active": False})
    _job(runner)
    assert not _placed(app, w.ids["silent"]) and not _placed(app, w.ids["two_complaints"])
    assert _placed(app, w.ids["met"]) and _placed(app, w.ids["b_silent"])
    assert _placed(app, w.ids["theirs"])  # the other lender's rules are not active
    assert client.get(f"/api/v1/cases/{w.ids['silent']}", headers=w.dora).status_code == 404
    with app.app_context():
        assert db.session.get(Visit, w.visits["silent"]).cancel_reason == (
            "recalled (performance): rule silent: standing rules")
    shown = client.get(URL, headers=w.ops).get_json()
    assert shown["last_result"]["recalled"] == 3 and shown["last_run_at"]
    _job(runner)  # the next night: nothing more to recall
    assert client.get(URL, headers=w.ops).get_json()["last_result"]["recalled"] == 0


def test_an_agency_gone_by_night_stops_only_that_lenders_run(app, client, runner):
    w = _world(app, client)
    client.put(URL, headers=w.ops, json={"rules": [SILENT], "agencies": [w.a]})
    client.put(URL, headers=w.stranger, json={"rules": [SILENT]})
    with app.app_context():
        s = db.session
        row = next(r for r in s.scalars(select(StandingRecallRules)) if r.agencies)
        row.agencies = ["GONE"]
        s.commit()
    _job(runner)
    assert _placed(app, w.ids["silent"]) and not _placed(app, w.ids["theirs"])
    assert "agencies" in client.get(URL, headers=w.ops).get_json()["last_error"]
