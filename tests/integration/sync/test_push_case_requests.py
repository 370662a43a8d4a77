"""The debtor's requests and calls recorded on the phone: pushed once, they become the same case
events and ledger entries as staff recording them, with the same effects on the next pull."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Case,
    CaseEvent,
    CaseRequestFact,
    Complaint,
    ContactAttempt,
    ContactPoint,
    OptOut,
    Party,
    QuarantinedRecord,
    Violation,
    Visit,
    VisitAssignee,
    utcnow,
)
from tests.integration.sync import facts
from tests.integration.sync.conftest import pull, push

_n = itertools.count(1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _request(case_id, kind, **kw):
    return {"id": kw.pop("id", f"cr-{next(_n)}"), "case_id": case_id, "kind": kind,
            "via": "door", "recorded_at": kw.pop("recorded_at", facts.now_ms() - 60_000), **kw}


def _call(case_id, point_id, **kw):
    return {"id": kw.pop("id", f"cl-{next(_n)}"), "case_id": case_id,
            "contact_point_id": point_id, "connected": False, "outcome": "NO_ANSWER",
            "recorded_at": kw.pop("recorded_at", facts.now_ms() - 60_000), **kw}


def _changes(table, *rows):
    return {table: {"created": list(rows), "updated": [], "deleted": []}}


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _quarantined(app, row_id):
    with app.app_context():
        return [(q.table_name, q.reason) for q in db.session.scalars(
            select(QuarantinedRecord).where(QuarantinedRecord.row_id == row_id))]


def _debtor_phone(app, case_id):
    with app.app_context():
        debtor = db.session.get(Case, case_id).debtor_id
        return db.session.scalar(select(ContactPoint.id).where(ContactPoint.party_id == debtor))


def _visited_yesterday(app, world, visit_id):
    """A completed visit of the same case for ann: the case stays on her phone."""
    with app.app_context():
        open_visit = db.session.get(Visit, visit_id)
        done = Visit(case_id=open_visit.case_id, address_id=open_visit.address_id,
                     scheduled_on=open_visit.scheduled_on, status="completed",
                     completed_at=utcnow() - timedelta(hours=20))
        db.session.add(done)
        db.session.flush()
        db.session.add(VisitAssignee(visit_id=done.id, user_id=world.collectors["ann"]))
        db.session.commit()
        return done.id


def test_a_pushed_stop_visits_request_cancels_the_visit_and_it_leaves_the_phone(
        app, client, world):
    visit = world.visits["ann"][0]
    case_id = world.cases[visit]
    done = _visited_yesterday(app, world, visit)
    first = pull(client, world.tokens["ann"])
    row = _request(case_id, "stop_contact", channel="visit", note="do not come again")

    answer = push(client, world.tokens["ann"], _changes("case_requests", row),
                  last=first["timestamp"])

    assert answer["experimentalRejectedIds"] == {}
    with app.app_context():
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id))
        assert (event.kind, event.channel, event.device_id) == ("stop_contact", "door",
                                                                "phone-ann")
        assert event.recorded_by == world.collectors["ann"] and event.detail["fact_id"] == row["id"]
        assert db.session.get(CaseRequestFact, row["id"]).event_id == event.id
        cancelled = db.session.get(Visit, visit)
        assert cancelled.status == "cancelled" and "visit" in cancelled.cancel_reason
    after = pull(client, world.tokens["ann"], last=first["timestamp"])
    assert visit in after["changes"]["visits"]["deleted"]
    assert {v["id"] for v in after["changes"]["visits"]["updated"]} <= {done}
    assert case_id not in after["changes"]["cases"]["deleted"]
    opt_outs = after["changes"]["opt_outs"]["created"] + after["changes"]["opt_outs"]["updated"]
    assert [(o["channel"], o["lifted_at"]) for o in opt_outs] == [("visit", None)]
    pulled = after["changes"]["case_requests"]
    assert [r["event_id"] for r in pulled["created"] + pulled["updated"]] == [event.id]


def test_a_replayed_stop_visits_push_changes_nothing_after_the_visit_left(app, client, world):
    visit = world.visits["ann"][0]
    case_id = world.cases[visit]
    first = pull(client, world.tokens["ann"])
    row = _request(case_id, "stop_contact", channel="visit")
    push(client, world.tokens["ann"], _changes("case_requests", row), last=first["timestamp"])
    after = pull(client, world.tokens["ann"], last=first["timestamp"])
    assert visit in after["changes"]["visits"]["deleted"]
    with app.app_context():
        before = (db.session.get(Visit, visit).version, db.session.get(Visit, visit).updated_at)

    replay = push(client, world.tokens["ann"], _changes("case_requests", row),
                  last=after["timestamp"])

    assert replay["experimentalRejectedIds"] == {}
    assert _count(app, CaseEvent, CaseEvent.case_id == case_id) == 1
    assert _count(app, OptOut, OptOut.channel == "visit") == 1
    with app.app_context():
        kept = db.session.get(Visit, visit)
        assert (kept.version, kept.updated_at) == before and kept.status == "cancelled"
    again = pull(client, world.tokens["ann"], last=after["timestamp"])
    assert visit not in again["changes"]["visits"]["deleted"] + [
        v["id"] for v in again["changes"]["visits"]["updated"]]


def test_a_replayed_request_is_a_no_op_and_a_changed_one_is_quarantined(app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    row = _request(case_id, "dispute_opened", note="never took the loan")
    push(client, world.tokens["ann"], _changes("case_requests", row))

    replay = push(client, world.tokens["ann"], _changes("case_requests", row))
    changed = push(client, world.tokens["ann"],
                   _changes("case_requests", {**row, "note": "something else"}))

    assert replay["experimentalRejectedIds"] == {}
    assert changed["experimentalRejectedIds"] == {"case_requests": [row["id"]]}
    assert _quarantined(app, row["id"]) == [("case_requests", "id_conflict")]
    assert _count(app, CaseEvent, CaseEvent.case_id == case_id) == 1
    with app.app_context():
        assert db.session.get(Case, case_id).dispute_open is True


def test_requests_that_cannot_be_applied_are_quarantined_and_change_nothing(
        app, client, world):
    own = world.cases[world.visits["ann"][0]]
    foreign = world.cases[world.visits["bob"][0]]
    rows = {
        "unknown_kind": _request(own, "gossip"),
        "no_end_date": _request(own, "hold", reason="illness"),
        "bad_windows": _request(own, "preferred_times", windows=[{"from": "25:00"}]),
        "nothing_to_lift": _request(own, "stop_contact_lifted", channel="sms"),
        "not_the_debtors_number": _request(own, "stop_contact", channel="call",
                                           contact_point_id=_debtor_phone(app, foreign)),
        "foreign_case": _request(foreign, "dispute_opened"),
    }

    answer = push(client, world.tokens["ann"], _changes("case_requests", *rows.values()))

    assert sorted(answer["experimentalRejectedIds"]["case_requests"]) == sorted(
        r["id"] for r in rows.values())
    reasons = {name: _quarantined(app, row["id"]) for name, row in rows.items()}
    assert reasons["foreign_case"] == [("case_requests", "not_your_case")]
    assert {r[0][1] for name, r in reasons.items() if name != "foreign_case"} == {"bad_value"}
    assert _count(app, CaseEvent) == 0 and _count(app, CaseRequestFact) == 0
    with app.app_context():
        assert db.session.get(Case, foreign).dispute_open is False
        lifted = rows["nothing_to_lift"]["id"]
        record = db.session.scalar(select(QuarantinedRecord).where(
            QuarantinedRecord.row_id == lifted))
        assert record.errors == {"channel": ["nothing to lift"]}


def test_a_request_pushed_after_a_failed_one_in_the_same_push_still_applies(
        app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    bad = _request(case_id, "stop_contact_lifted", channel="sms",
                   recorded_at=facts.now_ms() - 120_000)
    good = _request(case_id, "hold", until="2099-01-01", reason="illness")

    answer = push(client, world.tokens["ann"], _changes("case_requests", bad, good))

    assert answer["experimentalRejectedIds"] == {"case_requests": [bad["id"]]}
    with app.app_context():
        party = db.session.get(Party, db.session.get(Case, case_id).debtor_id)
        assert party.hold_reason == "illness" and party.hold_until.isoformat() == "2099-01-01"
        assert db.session.get(CaseRequestFact, good["id"]).event_id is not None


def test_a_pushed_call_enters_the_contact_ledger_once(app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    row = _call(case_id, _debtor_phone(app, case_id), connected=True, outcome="MET_DEBTOR")

    push(client, world.tokens["ann"], _changes("call_logs", row))
    push(client, world.tokens["ann"], _changes("call_logs", row))

    with app.app_context():
        attempts = db.session.scalars(select(ContactAttempt).where(
            ContactAttempt.source_table == "call_logs")).all()
        assert [(a.source_id, a.channel, a.connected, a.user_id) for a in attempts] == [
            (row["id"], "call", True, world.collectors["ann"])]


def test_a_call_to_a_number_of_another_case_is_quarantined(app, client, world):
    own = world.cases[world.visits["ann"][0]]
    foreign = world.cases[world.visits["bob"][0]]
    row = _call(own, _debtor_phone(app, foreign))

    answer = push(client, world.tokens["ann"], _changes("call_logs", row))

    assert answer["experimentalRejectedIds"] == {"call_logs": [row["id"]]}
    assert _quarantined(app, row["id"]) == [("call_logs", "bad_value")]
    assert _count(app, ContactAttempt, ContactAttempt.source_table == "call_logs") == 0


def test_a_vulnerability_note_never_travels_to_devices(app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    _visited_yesterday(app, world, world.visits["ann"][0])  # the open visit leaves, the case not
    row = _request(case_id, "vulnerability", category="mental_health", note="restricted")
    first = pull(client, world.tokens["ann"])
    push(client, world.tokens["ann"], _changes("case_requests", row))

    after = pull(client, world.tokens["ann"], last=first["timestamp"])

    pulled = after["changes"]["case_requests"]["created"] + \
        after["changes"]["case_requests"]["updated"]
    assert [(r["id"], r["note"]) for r in pulled] == [(row["id"], None)]
    with app.app_context():
        party = db.session.get(Party, db.session.get(Case, case_id).debtor_id)
        assert party.vulnerable and party.vulnerability_note == "restricted"
        assert db.session.scalar(select(func.count()).select_from(OptOut)) == 0


def test_an_app_on_schema_1_never_sees_the_new_tables_until_its_migration_pull(
        app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    row = _request(case_id, "hardship", note="lost job")
    push(client, world.tokens["ann"], _changes("case_requests", row))

    old = pull(client, world.tokens["ann"], schema_version=1)
    migration = {"from": 1, "tables": ["case_requests", "call_logs"], "columns": []}
    migrated = pull(client, world.tokens["ann"], last=old["timestamp"],
                    migration=json.dumps(migration))

    assert "case_requests" not in old["changes"] and "call_logs" not in old["changes"]
    assert [r["id"] for r in migrated["changes"]["case_requests"]["updated"]] == [row["id"]]


def test_a_new_number_told_at_the_door_reaches_the_next_pull_and_a_bad_one_is_quarantined(
        app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    first = pull(client, world.tokens["ann"])
    good = _request(case_id, "phone_reported", value="139 0013 7777")
    bad = _request(case_id, "phone_reported", value="call me maybe")

    answer = push(client, world.tokens["ann"], _changes("case_requests", good, bad))

    assert answer["experimentalRejectedIds"] == {"case_requests": [bad["id"]]}
    with app.app_context():
        record = db.session.scalar(select(QuarantinedRecord).where(
            QuarantinedRecord.row_id == bad["id"]))
        assert record.reason == "bad_value" and "value" in record.errors
    after = pull(client, world.tokens["ann"], last=first["timestamp"])
    numbers = [p["value"] for p in after["changes"]["contact_points"]["updated"]]
    assert numbers == ["13900137777"]


def test_a_complaint_taken_at_the_door_opens_a_complaint_naming_the_visits_collector(
        app, client, world):
    visit = world.visits["ann"][0]
    case_id = world.cases[visit]
    row = _request(case_id, "complaint", visit_id=visit, category="conduct",
                   note="the collector raised his voice")
    wrong = _request(case_id, "complaint", category="health", note="x")

    answer = push(client, world.tokens["ann"], _changes("case_requests", row, wrong))

    assert answer["experimentalRejectedIds"] == {"case_requests": [wrong["id"]]}
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == case_id))
        assert (complaint.channel, complaint.category, complaint.subject_user_ids) == (
            "field", "conduct", [world.collectors["ann"]])
        assert complaint.description == "the collector raised his voice"
        assert complaint.due_at is not None and complaint.recorded_by == world.collectors["ann"]
        event = db.session.get(CaseEvent, db.session.get(CaseRequestFact, row["id"]).event_id)
        assert event.detail["complaint_id"] == complaint.id


def test_a_call_made_in_quiet_hours_is_kept_and_flagged_for_compliance(app, client, world):
    case_id = world.cases[world.visits["ann"][0]]
    shanghai = datetime.now(SHANGHAI) - timedelta(days=1)
    late = shanghai.replace(hour=23, minute=0, second=0, microsecond=0)
    row = _call(case_id, _debtor_phone(app, case_id), recorded_at=int(late.timestamp() * 1000))

    answer = push(client, world.tokens["ann"], _changes("call_logs", row))

    assert answer["experimentalRejectedIds"] == {}
    with app.app_context():
        flagged = db.session.scalars(select(Violation).where(Violation.case_id == case_id))
        assert [(v.rule, v.fact_table, v.fact_id, v.user_id) for v in flagged] == [
            ("QUIET", "call_logs", row["id"], world.collectors["ann"])]


def test_four_racing_identical_pushes_of_a_request_make_one_case_event(app, world, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers")
    row = _request(world.cases[world.visits["ann"][0]], "stop_contact", channel="sms")
    barrier = threading.Barrier(4)
    answers: list = []

    def send():
        local = app.test_client()
        barrier.wait()
        response = local.post("/api/v1/sync/push", headers=world.tokens["ann"],
                              json={"changes": _changes("case_requests", row)})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [200] * 4, answers
    assert all(a[1]["experimentalRejectedIds"] == {} for a in answers)
    assert _count(app, CaseEvent) == 1 and _count(app, OptOut) == 1
