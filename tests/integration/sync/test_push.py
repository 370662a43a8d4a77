"""Push: facts applied once, replays are no-ops, everything unappliable is quarantined."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Account,
    Case,
    CheckIn,
    ContactAttempt,
    ContactPoint,
    Device,
    PaymentPromise,
    QuarantinedRecord,
    Visit,
    VisitOutcome,
)
from tests.integration.sync import facts
from tests.integration.sync.conftest import pull, push


def _count(app, model, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(stmt)


def test_push_creates_facts_and_stamps_server_columns(app, client, world):
    visit = world.visits["ann"][0]
    row = facts.check_in(visit)
    body = push(client, {**world.tokens["ann"], "X-Device-Time": str(row["recorded_at"])},
                {"check_ins": {"created": [row], "updated": [], "deleted": []}})
    assert body["experimentalRejectedIds"] == {}
    with app.app_context():
        stored = db.session.get(CheckIn, row["id"])
        assert stored.user_id == world.collectors["ann"] and stored.device_id == "phone-ann"
        assert stored.received_at >= stored.recorded_at
        assert stored.clock_offset_ms is not None and abs(stored.clock_offset_ms) < 60_000
        assert db.session.get(Device, "phone-ann").clock_offset_ms == stored.clock_offset_ms


def test_replayed_push_creates_no_second_row(app, client, world):
    changes = {"check_ins": {"created": [facts.check_in(world.visits["ann"][0])]}}
    for _ in range(3):
        assert push(client, world.tokens["ann"], changes)["experimentalRejectedIds"] == {}
    assert _count(app, CheckIn) == 1
    assert _count(app, QuarantinedRecord) == 0


def test_same_id_with_different_content_is_quarantined(app, client, world):
    row = facts.note(world.visits["ann"][0])
    push(client, world.tokens["ann"], {"visit_notes": {"created": [row]}})
    body = push(client, world.tokens["ann"],
                {"visit_notes": {"created": [{**row, "body": "rewritten"}]}})
    assert body["experimentalRejectedIds"] == {"visit_notes": [row["id"]]}
    with app.app_context():
        record = db.session.scalar(select(QuarantinedRecord))
        assert record.reason == "id_conflict" and record.payload["body"] == "rewritten"
        assert db.session.scalar(select(VisitOutcome.id)) is None
    push(client, world.tokens["ann"],
         {"visit_notes": {"created": [{**row, "body": "rewritten"}]}})
    assert _count(app, QuarantinedRecord) == 1  # the same rejected row is kept once


def test_unknown_table_or_column_is_422_naming_it(app, client, world):
    body = push(client, world.tokens["ann"], {"selfies": {"created": []}}, expect=422)
    assert "selfies" in body["message"]
    row = {**facts.check_in(world.visits["ann"][0]), "mood": "happy"}
    body = push(client, world.tokens["ann"], {"check_ins": {"created": [row]}}, expect=422)
    assert "mood" in body["message"] and body["errors"]["columns"] == {"check_ins": ["mood"]}
    assert _count(app, CheckIn) == 0


def test_bad_values_and_ids_are_quarantined_and_the_rest_applied(app, client, world):
    visit = world.visits["ann"][0]
    good, bad_lat = facts.check_in(visit), facts.check_in(visit, lat="north")
    bad_id = facts.check_in(visit, id="has space")
    body = push(client, world.tokens["ann"],
                {"check_ins": {"created": [good, bad_lat, bad_id]}})
    assert body["experimentalRejectedIds"] == {"check_ins": sorted([bad_lat["id"],
                                                                    "has space"])}
    assert _count(app, CheckIn) == 1
    with app.app_context():
        reasons = set(db.session.scalars(select(QuarantinedRecord.reason)))
    assert reasons == {"bad_value", "bad_id"}


def test_an_empty_reference_is_quarantined_not_a_5xx(app, client, world):
    # "" is not null: it used to pass the reference checks and break the foreign key (500).
    good, empty = facts.check_in(world.visits["ann"][0]), facts.check_in("")
    body = push(client, world.tokens["ann"], {"check_ins": {"created": [good, empty]}})
    assert body["experimentalRejectedIds"] == {"check_ins": [empty["id"]]}
    assert _count(app, CheckIn) == 1
    with app.app_context():
        assert db.session.scalar(select(QuarantinedRecord.reason)) == "unknown_reference"


def test_fact_for_another_collectors_visit_is_quarantined(app, client, world):
    row = facts.outcome(world.visits["bob"][0])
    body = push(client, world.tokens["ann"], {"visit_outcomes": {"created": [row]}})
    assert body["experimentalRejectedIds"] == {"visit_outcomes": [row["id"]]}
    with app.app_context():
        assert db.session.scalar(select(QuarantinedRecord.reason)) == "not_your_case"
        assert db.session.get(Visit, world.visits["bob"][0]).status == "assigned"


def test_forbidden_column_on_a_server_owned_table_is_quarantined(app, client, world):
    first = pull(client, world.tokens["ann"])
    visit = next(v for v in first["changes"]["visits"]["updated"])
    body = push(client, world.tokens["ann"],
                {"visits": {"updated": [{**visit, "priority": 99, "_changed": "priority"}]}},
                last=first["timestamp"])
    assert body["experimentalRejectedIds"] == {"visits": [visit["id"]]}
    with app.app_context():
        assert db.session.get(Visit, visit["id"]).priority == 0
        record = db.session.scalar(select(QuarantinedRecord))
        assert record.reason == "forbidden_column" and "priority" in record.errors


def test_whitelisted_column_on_a_server_owned_table_is_applied(app, client, world):
    first = pull(client, world.tokens["ann"])
    point = next(c for c in first["changes"]["contact_points"]["updated"]
                 if not c["value"].startswith("*"))
    body = push(client, world.tokens["ann"],
                {"contact_points": {"updated": [{**point, "valid": False}]}},
                last=first["timestamp"])
    assert body["experimentalRejectedIds"] == {}
    with app.app_context():
        assert db.session.get(ContactPoint, point["id"]).valid is False


def test_conflict_is_409_and_nothing_is_applied(app, client, world):
    first = pull(client, world.tokens["ann"])
    point = first["changes"]["contact_points"]["updated"][0]
    with app.app_context():
        db.session.get(ContactPoint, point["id"]).label = "mobile (server)"
        db.session.commit()
    new = facts.check_in(world.visits["ann"][0])
    body = push(client, world.tokens["ann"],
                {"contact_points": {"updated": [{**point, "valid": False}]},
                 "check_ins": {"created": [new]}}, last=first["timestamp"], expect=409)
    assert body["errors"] == {"contact_points": [point["id"]]}
    assert _count(app, CheckIn) == 0


def test_outcome_completes_the_visit_and_enters_the_ledger_once(app, client, world):
    visit = world.visits["ann"][0]
    row = facts.outcome(visit, code="MET_DEBTOR")
    for _ in range(2):
        push(client, world.tokens["ann"], {"visit_outcomes": {"created": [row]}})
    with app.app_context():
        stored = db.session.get(Visit, visit)
        assert (stored.status, stored.outcome_code) == ("completed", "MET_DEBTOR")
        attempts = db.session.scalars(select(ContactAttempt)).all()
        assert len(attempts) == 1 and attempts[0].connected and attempts[0].source_id == row["id"]


def test_the_ledger_entry_carries_corrected_time_party_and_collector(app, client, world):
    visit = world.visits["bob"][0]
    row = facts.outcome(visit, code="NOT_HOME")
    behind = row["recorded_at"] - 10 * 60 * 1000  # the phone's clock runs 10 minutes slow
    push(client, {**world.tokens["bob"], "X-Device-Time": str(behind)},
         {"visit_outcomes": {"created": [row]}})
    with app.app_context():
        [attempt] = db.session.scalars(select(ContactAttempt).where(
            ContactAttempt.source_id == row["id"])).all()
        debtor = db.session.get(Case, world.cases[visit]).debtor_id
        sent = datetime.fromtimestamp(row["recorded_at"] / 1000, UTC)
        shift = (attempt.occurred_at - sent).total_seconds()
        assert 595 <= shift <= 605  # device time + the estimated offset
        assert (attempt.case_id, attempt.party_id, attempt.user_id) == (
            world.cases[visit], debtor, world.collectors["bob"])
        assert (attempt.channel, attempt.outcome, attempt.connected) == (
            "visit", "NOT_HOME", False)
        assert len(attempt.id) == 32 and int(attempt.id, 16) >= 0


def test_promise_with_an_account_of_another_case_is_rejected(app, client, world):
    mine, other = world.visits["ann"]
    with app.app_context():
        other_account = db.session.scalar(select(Account.id).where(
            Account.case_id == world.cases[other]))
        own_account = db.session.scalar(select(Account.id).where(
            Account.case_id == world.cases[mine]))
    good = facts.promise(mine, world.cases[mine], own_account)
    bad = facts.promise(mine, world.cases[mine], other_account)
    body = push(client, world.tokens["ann"], {"payment_promises": {"created": [good, bad]}})
    assert body["experimentalRejectedIds"] == {"payment_promises": [bad["id"]]}
    with app.app_context():
        assert db.session.get(PaymentPromise, good["id"]).status == "active"


def test_gzip_request_bodies_are_accepted(app, client, world):
    changes = {"check_ins": {"created": [facts.check_in(world.visits["ann"][0])]}}
    raw = gzip.compress(json.dumps({"changes": changes}).encode())
    response = client.post("/api/v1/sync/push", data=raw,
                           headers={**world.tokens["ann"], "Content-Encoding": "gzip",
                                    "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_json()
    assert _count(app, CheckIn) == 1


def test_too_many_rows_is_413_and_too_big_a_body_is_413(app, client, world):
    rows = [facts.note(world.visits["ann"][0]) for _ in range(5001)]
    body = push(client, world.tokens["ann"], {"visit_notes": {"created": rows}}, expect=413)
    assert "5000" in body["message"]
    app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        big = {"visit_notes": {"created": [facts.note(world.visits["ann"][0], body="x" * 5000)]}}
        push(client, world.tokens["ann"], big, expect=413)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024


def test_idempotency_key_replays_the_first_answer(app, client, world):
    row = facts.outcome(world.visits["bob"][0])
    headers = {**world.tokens["ann"], "Idempotency-Key": "k-1"}
    first = push(client, headers, {"visit_outcomes": {"created": [row]}})
    again = push(client, headers, {"visit_outcomes": {"created": [row]}})
    assert first == again and first["experimentalRejectedIds"]
    push(client, headers, {"visit_outcomes": {"created": []}}, expect=422)


def test_deleting_synced_rows_is_rejected(app, client, world):
    body = push(client, world.tokens["ann"], {"visits": {"deleted": [world.visits["ann"][0]]}})
    assert body["experimentalRejectedIds"] == {"visits": [world.visits["ann"][0]]}
    assert _count(app, Visit) == 4


def test_pushed_facts_come_back_in_the_next_pull(app, client, world):
    first = pull(client, world.tokens["ann"])
    row = facts.check_in(world.visits["ann"][0])
    push(client, world.tokens["ann"], {"check_ins": {"created": [row]}}, last=first["timestamp"])
    body = pull(client, world.tokens["ann"], first["timestamp"])
    (back,) = body["changes"]["check_ins"]["updated"]
    assert back["id"] == row["id"] and back["recorded_at"] == row["recorded_at"]
    assert "digest" not in back


def test_a_pulled_visit_echoed_back_with_its_computed_windows_is_not_an_unknown_column(
        app, client, world):
    first = pull(client, world.tokens["ann"])
    visit = first["changes"]["visits"]["updated"][0]
    assert "allowed_windows" in visit
    body = push(client, world.tokens["ann"],
                {"visits": {"updated": [{**visit, "_changed": ""}]}}, last=first["timestamp"])
    assert body["experimentalRejectedIds"] == {}


def test_a_device_stamped_updated_at_does_not_block_an_allowed_update(app, client, world):
    first = pull(client, world.tokens["ann"])
    point = next(c for c in first["changes"]["contact_points"]["updated"]
                 if not c["value"].startswith("*"))
    stamped = {**point, "valid": False, "updated_at": facts.now_ms(),
               "_changed": "valid,updated_at"}
    body = push(client, world.tokens["ann"], {"contact_points": {"updated": [stamped]}},
                last=first["timestamp"])
    assert body["experimentalRejectedIds"] == {}
    with app.app_context():
        assert db.session.get(ContactPoint, point["id"]).valid is False
