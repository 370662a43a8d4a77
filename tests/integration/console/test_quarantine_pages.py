"""Quarantine review from the console: the API's review service, scope, audit and push path."""

from __future__ import annotations

import json

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, CheckIn, QuarantinedRecord, Team
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.sync import facts
from tests.integration.sync.conftest import build_world, push
from tests.support import factories


def _quarantined(app, client):
    """A check-in whose latitude is not a number, pushed by a collector and quarantined."""
    world = build_world(app, client)
    row = facts.check_in(world.visits["ann"][0], lat="north")
    push(client, world.tokens["ann"], {"check_ins": {"created": [row]}})
    with app.app_context():
        record_id = db.session.scalar(select(QuarantinedRecord.id))
        team = db.session.get(Team, world.team_id)
        dispatcher = factories.user(db.session, "dispatcher", team).username
        outsider = factories.user(db.session, "dispatcher", factories.team(db.session)).username
        db.session.commit()
    return world, row, record_id, dispatcher, outsider


def _form(console, record_id):
    page = console.get(f"/console/quarantine/{record_id}").get_data(as_text=True)
    return page, csrf_of(page)


def test_a_fixed_row_is_replayed_for_the_collector_who_sent_it(app, client, console):
    world, row, record_id, dispatcher, _ = _quarantined(app, client)
    sign_in(console, dispatcher)

    listed = console.get("/console/quarantine").get_data(as_text=True)
    page, token = _form(console, record_id)
    still_bad = console.post(f"/console/quarantine/{record_id}/replay",
                             data={"csrf_token": token, "payload": json.dumps(row)})
    not_json = console.post(f"/console/quarantine/{record_id}/replay",
                            data={"csrf_token": token, "payload": "{lat: 31"})
    fixed = console.post(f"/console/quarantine/{record_id}/replay", data={
        "csrf_token": token, "payload": json.dumps({**row, "lat": 31.23}), "note": "typo"})

    assert f'data-record="{record_id}"' in listed
    assert "expected a number" in page and "&#34;north&#34;" in page
    assert still_bad.status_code == 422 and not_json.status_code == 422
    assert "payload" in not_json.get_data(as_text=True)
    assert fixed.status_code == 302
    with app.app_context():
        stored = db.session.get(CheckIn, row["id"])
        assert stored.lat == 31.23 and stored.user_id == world.collectors["ann"]
        assert db.session.get(QuarantinedRecord, record_id).status == "replayed"
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"quarantine.list", "quarantine.read"} <= actions


def test_a_row_is_dismissed_only_with_a_reason(app, client, console):
    _, _, record_id, dispatcher, _ = _quarantined(app, client)
    sign_in(console, dispatcher)
    _, token = _form(console, record_id)

    blank = console.post(f"/console/quarantine/{record_id}/dismiss",
                         data={"csrf_token": token, "reason": "  "})
    done = console.post(f"/console/quarantine/{record_id}/dismiss",
                        data={"csrf_token": token, "reason": "duplicate of a later visit"})

    assert blank.status_code == 422 and done.status_code == 302
    with app.app_context():
        record = db.session.get(QuarantinedRecord, record_id)
        assert record.status == "dismissed"
        assert record.resolution_note == "duplicate of a later visit"


def test_another_teams_dispatcher_neither_sees_nor_replays_the_row(app, client, console):
    _, row, record_id, _, outsider = _quarantined(app, client)
    sign_in(console, outsider)
    token = csrf_of(console.get("/console/quarantine").get_data(as_text=True))

    listed = console.get("/console/quarantine").get_data(as_text=True)
    shown = console.get(f"/console/quarantine/{record_id}")
    replayed = console.post(f"/console/quarantine/{record_id}/replay", data={
        "csrf_token": token, "payload": json.dumps({**row, "lat": 31.23})})

    assert record_id not in listed
    assert shown.status_code == 404 and replayed.status_code == 404
