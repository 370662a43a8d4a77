"""Property: whatever JSON a device puts in any column, the push never answers 5xx.

The bad row is stored or quarantined naming the column, and the good rows beside it are
applied. A bounded fuzz (slow, still in `make test`) also throws whole bodies of junk.
"""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.extensions import db
from server.models import (
    Account,
    Case,
    CheckIn,
    ConsentText,
    ContactPoint,
    QuarantinedRecord,
    Visit,
)
from server.sync.quarantine import stored_id
from server.sync.tables import FACT_TABLES, SYNC_TABLES
from tests.integration.sync import facts
from tests.support.clock import operation_today

_n = itertools.count()
SPECIAL_TEXT = ["\ud800", "a\udfffb", "\x00", "nul\x00", "9" * 401, "1e30", "1e400", "NaN",
                "Infinity", "-0", "", " ", "x" * 65, "9999-12-31", "9999-12-31T23:59:59+14:00",
                "0001-01-01T00:00:00-14:00", "[" * 3000 + "]" * 3000, "{}", "[]", "null",
                "2026-13-45", "cash", "in", "MET_DEBTOR", "A" * 64]
SPECIAL_NUMBERS = [int("9" * 401), -int("9" * 401), 2**53, -(2**63), 1e308, 1e-320,
                   float("nan"), float("inf"), float("-inf"), 0, -1, 0.5, 253402300799999,
                   253402300800000, 10**16]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=80),
    st.sampled_from(SPECIAL_TEXT), st.sampled_from(SPECIAL_NUMBERS))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(st.characters(codec=None, exclude_categories=()), max_size=8),
                    inner, max_size=4)), max_leaves=12)


def _send(client, headers, changes, cursor=None):
    body = json.dumps({"changes": changes, "lastPulledAt": cursor}, allow_nan=True)
    return client.post("/api/v1/sync/push", data=body, content_type="application/json",
                       headers=headers)


def _valid_row(table: str, visit: str, case: str, account: str, debtor: str, address: str,
               text: str, point: str) -> dict:
    """A row of `table` the server would store (or at least judge without any bad value)."""
    now, n = facts.now_ms(), next(_n)
    return {
        "check_ins": facts.check_in(visit, id=f"p-ci-{n}"),
        "visit_outcomes": facts.outcome(visit, id=f"p-vo-{n}"),
        "visit_notes": facts.note(visit, id=f"p-vn-{n}"),
        "payment_promises": facts.promise(visit, case, account, id=f"p-pp-{n}"),
        "payments": {"id": f"p-pa-{n}", "visit_id": visit, "case_id": case,
                     "account_id": account, "amount": "10.00", "currency": "CNY",
                     "method": "cash", "paid_at": now, "recorded_at": now},
        "consents": {"id": f"p-cs-{n}", "party_id": debtor, "case_id": case, "visit_id": visit,
                     "consent_text_id": text, "kind": "recording",
                     "method": "verbal_recorded", "granted_at": now, "recorded_at": now},
        "address_reports": {"id": f"p-ar-{n}", "address_id": address, "visit_id": visit,
                            "kind": "moved", "recorded_at": now},
        "attachments": {"id": f"p-at-{n}", "visit_id": visit, "sha256": "a" * 64,
                        "kind": "photo", "recorded_at": now},
        # hardship: a request that cancels no visit, so the examples' visit stays on the phone
        "case_requests": {"id": f"p-cr-{n}", "case_id": case, "kind": "hardship",
                          "via": "door", "recorded_at": now},
        "call_logs": {"id": f"p-cl-{n}", "case_id": case, "contact_point_id": point,
                      "connected": False, "recorded_at": now},
        "offer_requests": {"id": f"p-or-{n}", "case_id": case, "visit_id": visit,
                           "kind": "settlement", "amount": "10.00", "recorded_at": now,
                           "schedule": [{"due_on": operation_today().isoformat(),
                                         "amount": "10.00"}]},
    }[table]


@pytest.fixture
def refs(app, world):
    visit = world.visits["ann"][0]
    case = world.cases[visit]
    with app.app_context():
        account = db.session.scalar(select(Account.id).where(Account.case_id == case))
        debtor = db.session.get(Case, case).debtor_id
        address = db.session.get(Visit, visit).address_id
        text = ConsentText(code="REC", version=1, kind="recording", body="…",
                           effective_from=date(2026, 1, 1))
        db.session.add(text)
        db.session.commit()
        point = db.session.scalar(select(ContactPoint.id).where(ContactPoint.party_id == debtor))
        return visit, case, account, debtor, address, text.id, point


def _columns(table: str) -> list[str]:
    return ["id", "_status", "_changed", *SYNC_TABLES[table].columns]


cells = st.sampled_from(FACT_TABLES).flatmap(
    lambda t: st.tuples(st.just(t), st.sampled_from(_columns(t)), json_values))


def _check_push(app, client, world, refs, bad_cells) -> None:
    visit = refs[0]
    good = facts.check_in(visit, id=f"p-good-{next(_n)}")
    changes: dict = {"check_ins": {"created": [good]}}
    sent = []
    for table, column, value in bad_cells:
        row = {**_valid_row(table, *refs), column: value}
        changes.setdefault(table, {"created": []})["created"].append(row)
        sent.append((table, column, row))
    response = _send(client, world.tokens["ann"], changes)
    assert response.status_code < 500, response.get_data(as_text=True)[:800]
    if response.status_code != 200:  # only a wrong shape refuses the whole push
        assert response.status_code == 422 and response.get_json()["code"] == 422
        return
    rejected = response.get_json()["experimentalRejectedIds"]
    with app.app_context():
        assert db.session.get(CheckIn, good["id"]) is not None
        for table, column, row in sent:
            row_id = row.get("id")
            if isinstance(row_id, str) and row_id in rejected.get(table, ()):
                reasons = db.session.execute(select(QuarantinedRecord.reason,
                                                    QuarantinedRecord.errors)
                                             .where(QuarantinedRecord.table_name == table,
                                                    QuarantinedRecord.row_id == stored_id(row_id)))
                assert any(column in errors or reason in ("id_conflict", "bad_id")
                           for reason, errors in reasons), (table, column)


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(cell=cells)
def test_any_json_value_in_any_column_is_stored_or_quarantined_never_a_5xx(
        app, client, world, refs, cell):
    _check_push(app, client, world, refs, [cell])


@pytest.mark.slow
@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(bad=st.lists(cells, min_size=1, max_size=6))
def test_fuzz_rows_of_junk_in_one_push_never_a_5xx(app, client, world, refs, bad):
    _check_push(app, client, world, refs, bad)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(changes=st.dictionaries(
    st.one_of(st.sampled_from(list(SYNC_TABLES)), st.text(max_size=5)),
    st.one_of(json_values, st.dictionaries(
        st.sampled_from(["created", "updated", "deleted", "x"]),
        st.one_of(json_values, st.lists(json_values, max_size=3)), max_size=3)), max_size=3),
    cursor=st.one_of(st.none(), json_values))
def test_fuzz_bodies_of_any_shape_are_answered_below_500(app, client, world, changes, cursor):
    body = json.dumps({"changes": changes, "lastPulledAt": cursor}, allow_nan=True)
    response = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                           headers=world.tokens["ann"])
    assert response.status_code < 500, response.get_data(as_text=True)[:800]
    assert "code" in response.get_json() or "experimentalRejectedIds" in response.get_json()


@pytest.mark.parametrize("cursor", ["9" * 30, str(2**63), str(2**53), "-1", "1e5", "١"])
def test_a_cursor_no_server_issued_is_a_422_on_push_and_pull(app, client, world, cursor):
    from tests.integration.sync.conftest import pull

    point = pull(client, world.tokens["ann"])["changes"]["contact_points"]["updated"][0]
    changes = {"contact_points": {"updated": [point]}}
    as_number = int(cursor) if cursor.lstrip("-").isascii() and cursor.lstrip("-").isdigit() \
        else cursor
    for url, body in ((f"/api/v1/sync/push?last_pulled_at={cursor}", {"changes": changes}),
                      ("/api/v1/sync/push", {"changes": changes, "lastPulledAt": as_number})):
        response = client.post(url, data=json.dumps(body), content_type="application/json",
                               headers=world.tokens["ann"])
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
    response = client.get("/api/v1/sync/pull", headers=world.tokens["ann"],
                          query_string={"last_pulled_at": cursor, "schema_version": 1})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]


server_cells = st.sampled_from(["contact_points", "visits", "addresses", "cases"]).flatmap(
    lambda t: st.tuples(st.just(t), st.sampled_from(["id", *SYNC_TABLES[t].columns]),
                        json_values))


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(cell=server_cells)
def test_any_json_value_in_an_updated_server_row_is_applied_or_quarantined(app, client, world,
                                                                         cell):
    from tests.integration.sync.conftest import pull

    table, column, value = cell
    first = pull(client, world.tokens["ann"])
    row = {**first["changes"][table]["updated"][0], column: value, "_status": "updated"}
    response = _send(client, world.tokens["ann"], {table: {"updated": [row]}}, first["timestamp"])
    assert response.status_code in (200, 409), response.get_data(as_text=True)[:800]
