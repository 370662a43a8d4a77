"""The local replica and the outbox's batches (SQLite, no network)."""

from __future__ import annotations

import json

import pytest

from client_stub import LocalStore
from client_stub.store import ACKED, PENDING, REJECTED, SENDING


@pytest.fixture
def store(tmp_path):
    s = LocalStore(tmp_path / "device.sqlite3")
    yield s
    s.close()


def test_tables_and_columns_follow_the_pulled_rows(store):
    with store.transaction():
        counts = store.apply_changes({
            "visits": {"created": [{"id": "v1", "status": "assigned", "version": 1}],
                       "updated": [], "deleted": []},
            "parties": {"created": [], "updated": [], "deleted": ["nobody"]}})
    assert counts == {"upserted": 1, "deleted": 0}
    assert store.row("visits", "v1") == {"id": "v1", "status": "assigned", "version": 1}
    with store.transaction():
        store.apply_changes({"visits": {"created": [], "deleted": [], "updated": [
            {"id": "v1", "status": "completed", "version": 2, "outcome_code": "PAID",
             "mandatory": True, "preferred": {"a": 1}}]}})
    row = store.row("visits", "v1")
    assert row["status"] == "completed" and row["outcome_code"] == "PAID"
    assert row["mandatory"] == 1 and json.loads(row["preferred"]) == {"a": 1}
    with store.transaction():
        assert store.apply_changes({"visits": {"deleted": ["v1"]}}) == {"upserted": 0,
                                                                       "deleted": 1}
    assert store.rows("visits") == []


def test_hostile_names_are_refused(store):
    with pytest.raises(ValueError), store.transaction():
        store.apply_changes({"outbox": {"created": [{"id": "x"}]}})
    with pytest.raises(ValueError), store.transaction():
        store.apply_changes({"visits": {"created": [{"id": "x", 'a" TEXT); DROP': 1}]}})


def test_a_batch_is_fixed_until_answered(store):
    for n in range(3):
        store.add_fact("check_ins", {"id": f"ci-{n}", "visit_id": "v1", "recorded_at": n})
    batch = store.make_batch("key-1", 42, limit=2)
    assert batch["key"] == "key-1" and batch["last_pulled_at"] == 42
    body = json.loads(batch["body"])
    assert [r["id"] for r in body["changes"]["check_ins"]["created"]] == ["ci-0", "ci-1"]
    assert body["lastPulledAt"] == 42
    store.add_fact("check_ins", {"id": "ci-late", "visit_id": "v1", "recorded_at": 9})
    assert store.open_batch() == batch  # a retry sends exactly this
    assert store.counts() == {PENDING: 2, SENDING: 2, ACKED: 0, REJECTED: 0}
    assert store.close_batch("key-1", {"check_ins": ["ci-1"]}) == {ACKED: 1, REJECTED: 1}
    assert store.open_batch() is None
    assert store.counts() == {PENDING: 2, SENDING: 0, ACKED: 1, REJECTED: 1}
    nxt = store.make_batch("key-2", None, limit=10)
    assert "lastPulledAt" not in json.loads(nxt["body"])
    store.abandon_batch("key-2")
    assert store.counts()[PENDING] == 2 and store.open_batch() is None


def test_no_batch_without_pending_facts(store):
    assert store.make_batch("k", None, limit=10) is None


def test_reset_drops_the_replica_but_keeps_the_outbox(store):
    store.add_fact("visit_notes", {"id": "n1", "visit_id": "v", "body": "b", "recorded_at": 1})
    with store.transaction():
        store.apply_changes({"visits": {"created": [{"id": "v"}]}})
        store.set(last_pulled_at=5, token="t")
    store.reset_replica()
    assert store.tables() == [] and store.get("last_pulled_at") is None
    assert store.get("token") == "t" and len(store.outbox(PENDING)) == 1
