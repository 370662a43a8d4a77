"""Any JSON value in any column: the row is quarantined naming the column, the rest applied."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Account, CheckIn, Device, PushReceipt, QuarantinedRecord
from tests.integration.sync import facts

DEEP = "[" * 5000 + "]" * 5000  # a string a JSON column would have to parse 5,000 levels deep
NESTED = json.loads("[" * 20 + "]" * 20)  # nested in a column (the body allows 32 levels)
HUGE = int("9" * 401)


def send(client, headers, changes, **kw):
    """Post a push as raw JSON text (NaN and Infinity are sent as JavaScript would print them)."""
    body = json.dumps({"changes": changes}, allow_nan=True)
    return client.post("/api/v1/sync/push", data=body, content_type="application/json",
                       headers=headers, **kw)


def _account(app, case_id):
    with app.app_context():
        return db.session.scalar(select(Account.id).where(Account.case_id == case_id))


def _payment(visit_id, case_id, account_id, **kw):
    return {"id": kw.pop("id", f"pay-{facts.now_ms()}"), "visit_id": visit_id,
            "case_id": case_id, "account_id": account_id, "amount": "100.00",
            "currency": "CNY", "method": "cash", "paid_at": facts.now_ms(),
            "recorded_at": facts.now_ms(), **kw}


BAD_VALUES = [  # (table, column, value, where WatermelonDB or an attacker would send it)
    ("visit_notes", "body", "caf\ud800"),
    ("visit_notes", "body", "nul\x00byte"),
    ("visit_notes", "body", NESTED),
    ("visit_notes", "recorded_at", HUGE),
    ("visit_notes", "recorded_at", "0001-01-01T00:00:00-14:00"),
    ("visit_notes", "recorded_at", float("nan")),
    ("check_ins", "lat", HUGE),
    ("check_ins", "lat", float("nan")),
    ("check_ins", "lng", float("inf")),
    ("check_ins", "accuracy_m", float("-inf")),
    ("check_ins", "kind", "\x00"),
    ("payments", "amount", "1e30"),
    ("payments", "amount", "1e400"),
    ("payments", "amount", 1e300),
    ("payments", "amount", HUGE),
    ("payments", "amount", float("nan")),
    ("payments", "amount", "Infinity"),
    ("payments", "receipt_no", "R\ud83d"),
    ("payments", "paid_at", float("inf")),
    ("consents", "scope", DEEP),
    ("consents", "scope", {"from": "21:00\x00"}),
    ("consents", "scope", [float("nan")]),
    ("consents", "scope", {"k\ud800": 1}),
    ("consents", "scope", NESTED),
]


def _row(world, app, table, column, value):
    visit = world.visits["ann"][0]
    case = world.cases[visit]
    if table == "visit_notes":
        row = facts.note(visit)
    elif table == "check_ins":
        row = facts.check_in(visit)
    elif table == "payments":
        row = _payment(visit, case, _account(app, case))
    else:
        row = {"id": f"cs-{facts.now_ms()}", "party_id": "nobody", "case_id": case,
               "visit_id": visit, "consent_text_id": "none", "kind": "recording",
               "method": "verbal_recorded", "granted_at": facts.now_ms(),
               "recorded_at": facts.now_ms()}
    return {**row, column: value}


@pytest.mark.parametrize(("table", "column", "value"), BAD_VALUES,
                         ids=[f"{t}.{c}-{i}" for i, (t, c, _) in enumerate(BAD_VALUES)])
def test_a_bad_value_quarantines_its_row_naming_the_column_and_the_rest_is_applied(
        app, client, world, table, column, value):
    good = facts.check_in(world.visits["ann"][0])
    bad = _row(world, app, table, column, value)
    changes = {"check_ins": {"created": [good]}, table: {"created": [bad]}}
    if table == "check_ins":
        changes = {"check_ins": {"created": [good, bad]}}
    response = send(client, world.tokens["ann"], changes)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["experimentalRejectedIds"] == {table: [bad["id"]]}
    with app.app_context():
        assert db.session.get(CheckIn, good["id"]) is not None
        record = db.session.scalar(select(QuarantinedRecord))
        assert record.reason == "bad_value" and column in record.errors, record.errors
        assert record.row_id == bad["id"] and record.payload["id"] == bad["id"]


@pytest.mark.parametrize("bad_id", ["x" * 65, "nul\x00", "sur\udc00", "new\n", "", 7, None])
def test_an_id_of_any_shape_is_quarantined_as_bad_id_and_the_rest_is_applied(
        app, client, world, bad_id):
    good = facts.check_in(world.visits["ann"][0])
    bad = facts.check_in(world.visits["ann"][0], id=bad_id)
    response = send(client, world.tokens["ann"], {"check_ins": {"created": [good, bad]}})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    rejected = response.get_json()["experimentalRejectedIds"]
    assert rejected == ({"check_ins": [bad_id]} if isinstance(bad_id, str) else {})
    with app.app_context():
        assert db.session.get(CheckIn, good["id"]) is not None
        record = db.session.scalar(select(QuarantinedRecord))
        assert record.reason == "bad_id" and "id" in record.errors
        assert record.row_id == ""  # the id is no id; the payload keeps what was sent
    send(client, world.tokens["ann"], {"check_ins": {"created": [bad]}})
    with app.app_context():  # sent again: still one record
        assert db.session.scalar(select(func.count()).select_from(QuarantinedRecord)) == 1


@pytest.mark.parametrize("row", [7, "text", [1, 2], None, NESTED, float("nan")])
def test_a_row_that_is_not_an_object_is_quarantined(app, client, world, row):
    good = facts.check_in(world.visits["ann"][0])
    response = send(client, world.tokens["ann"], {"check_ins": {"created": [good, row]}})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(CheckIn, good["id"]) is not None
        assert db.session.scalar(select(QuarantinedRecord.reason)) == "bad_id"


@pytest.mark.parametrize("changes", [
    {"check_ins": []}, {"check_ins": {"created": {}}}, {"check_ins": {"created": [], "x": []}},
    {"\ud800": {"created": []}}, {"check_ins": {"created": [{"id": "a", "\x00": 1}]}},
    {"check_ins": {"created": [{"id": "a", "m\udfff": 1}]}}, {"check_ins": None},
    {"check_ins": {"created": [{"id": "a", "note": json.loads("[" * 400 + "]" * 400)}]}},
])
def test_a_body_of_the_wrong_shape_is_a_422_and_nothing_is_applied(app, client, world, changes):
    response = send(client, world.tokens["ann"], changes)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.get_json()["code"] == 422


@pytest.mark.parametrize("value", ["1" * 20, "9" * 17, "-" + "9" * 17, "12.5", "now",
                                   "1e12", "١٢٣"])
def test_a_bad_device_time_header_is_ignored_reported_and_never_stored(
        app, client, world, value):
    good = facts.check_in(world.visits["ann"][0])
    headers = {**world.tokens["ann"], "X-Device-Time": value}
    response = send(client, headers, {"check_ins": {"created": [good]}})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "X-Device-Time" in response.get_json()["warnings"]
    with app.app_context():
        assert db.session.get(Device, "phone-ann").clock_offset_ms is None
        assert db.session.get(CheckIn, good["id"]).clock_offset_ms is None
    later = facts.check_in(world.visits["ann"][0])  # and the next push without the header works
    response = send(client, world.tokens["ann"], {"check_ins": {"created": [later]}})
    assert response.status_code == 200 and "warnings" not in response.get_json()


def test_an_absurd_stored_clock_offset_is_not_used(app, client, world):
    with app.app_context():
        db.session.get(Device, "phone-ann").clock_offset_ms = 2_000_000_000  # 23 days, by old code
        db.session.commit()
    row = facts.check_in(world.visits["ann"][0])
    response = send(client, world.tokens["ann"], {"check_ins": {"created": [row]}})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(CheckIn, row["id"]).clock_offset_ms is None


def test_an_idempotency_key_over_128_characters_is_422_not_cut(app, client, world):
    row = facts.check_in(world.visits["ann"][0])
    for key in ("k" * 129, "k\x7f"):
        response = send(client, {**world.tokens["ann"], "Idempotency-Key": key},
                        {"check_ins": {"created": [row]}})
        assert response.status_code == 422
        assert "Idempotency-Key" in response.get_json()["errors"]
    response = send(client, {**world.tokens["ann"], "Idempotency-Key": "k" * 128},
                    {"check_ins": {"created": [row]}})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(PushReceipt.key)) == "k" * 128
        assert db.session.get(CheckIn, row["id"]) is not None


def test_a_stored_answer_with_an_unstorable_rejected_id_is_replayed(app, client, world):
    bad = facts.check_in(world.visits["ann"][0], id="nul\x00")
    headers = {**world.tokens["ann"], "Idempotency-Key": "push-1"}
    for _ in range(2):
        response = send(client, headers, {"check_ins": {"created": [bad]}})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert list(response.get_json()["experimentalRejectedIds"]) == ["check_ins"]
