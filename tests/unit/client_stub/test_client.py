"""DoorstepClient against a fake server: ids, keys, retries, rejections, conflicts, paging."""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from client_stub import DoorstepClient, RetryPolicy, SyncError, TransportError
from client_stub.client import money
from tests.unit.client_stub.fake import FakeServer

VISIT = {"id": "v1", "case_id": "c1", "address_id": "a1", "status": "assigned"}
FIRST_PULL = {"changes": {
    "visits": {"created": [VISIT], "updated": [], "deleted": []},
    "cases": {"created": [{"id": "c1", "debtor_id": "p1"}], "updated": [], "deleted": []},
    "accounts": {"created": [{"id": "acc2", "case_id": "c1"}, {"id": "acc1", "case_id": "c1"}],
                 "updated": [], "deleted": []},
    "addresses": {"created": [{"id": "a1", "lat": 31.2, "lng": 121.4}], "updated": [],
                  "deleted": []},
    "consent_texts": {"created": [{"id": "t1", "code": "REC", "version": 1,
                                   "kind": "recording"}], "updated": [], "deleted": []}},
    "timestamp": 5, "has_more": False}


@pytest.fixture
def server():
    return FakeServer()


@pytest.fixture
def device(tmp_path, server):
    slept: list = []
    ids = iter(f"id{n:04d}" for n in range(10_000))
    clock = iter(range(1_000_000, 2_000_000, 7))
    client = DoorstepClient(tmp_path, transport=server, clock=lambda: next(clock),
                            new_id=lambda: next(ids),
                            retry=RetryPolicy(attempts=4, sleep=slept.append,
                                              rng=random.Random(0)))
    client.slept = slept
    client.login("http://doorstep.test/", "ann", "pw", "phone-ann")
    server.pulls.append(FIRST_PULL)
    client.sync()
    yield client
    client.close()


def test_login_binds_the_token_to_the_device(device, server):
    login = server.of("/api/v1/auth/tokens")[0]
    assert json.loads(login["body"]) == {"username": "ann", "password": "pw",
                                         "device_id": "phone-ann"}
    assert "Authorization" not in login["headers"]
    pull = server.of("/api/v1/sync/pull")[0]
    assert pull["headers"]["Authorization"] == "Bearer tok-1"
    assert pull["headers"]["X-Device-Id"] == "phone-ann"
    assert pull["params"] == {"last_pulled_at": "", "schema_version": 1}
    assert device.store.get("last_pulled_at") == 5


def test_facts_get_device_ids_and_device_time(device):
    row = device.check_in("v1")
    assert row["id"] == "id0000" and row["lat"] == 31.2 and row["lng"] == 121.4
    assert isinstance(row["recorded_at"], int)
    promise = device.promise("v1", 500, "2030-01-15")
    assert promise["amount"] == "500.00" and promise["account_id"] == "acc1"
    assert promise["case_id"] == "c1"
    consent = device.consent("v1")
    assert consent["consent_text_id"] == "t1" and consent["party_id"] == "p1"
    with pytest.raises(ValueError, match="not on this device"):
        device.note("v-unknown", "x") and device.promise("v-unknown", 1, "2030-01-01")


def test_money_is_a_two_place_string():
    assert [money(v) for v in (500, "750.5", 0.125, "1e3")] == ["500.00", "750.50", "0.13",
                                                                 "1000.00"]


def test_push_then_pull_with_headers_and_acknowledgement(device, server):
    device.check_in("v1")
    device.outcome("v1", "NOT_HOME")
    result = device.sync()
    assert (result.pushed, result.rejected) == (2, 0)
    push = server.of("/api/v1/sync/push")[0]
    assert push["params"] == {"last_pulled_at": 5}
    assert push["headers"]["Idempotency-Key"] and push["headers"]["X-Device-Time"].isdigit()
    body = json.loads(push["body"])
    assert body["lastPulledAt"] == 5
    assert {t: [r["id"] for r in p["created"]] for t, p in body["changes"].items()} == {
        "check_ins": ["id0000"], "visit_outcomes": ["id0001"]}
    paths = [r["path"] for r in server.requests[-2:]]
    assert paths == ["/api/v1/sync/push", "/api/v1/sync/pull"]
    assert device.status()["outbox"] == 0


@pytest.mark.parametrize("failures", [["lost"], [503, "lost"], [TransportError("reset"), 502]])
def test_a_retried_push_has_the_same_key_and_body(device, server, failures):
    device.note("v1", "dog")
    server.push_script = [*failures, 200]
    result = device.sync()
    pushes = server.of("/api/v1/sync/push")
    assert len(pushes) == len(failures) + 1
    assert len({(p["headers"]["Idempotency-Key"], p["body"]) for p in pushes}) == 1
    assert len({p["headers"]["X-Device-Time"] for p in pushes}) == len(pushes)  # fresh clock
    assert result.pushed == 1 and len(device.slept) == len(failures)


def test_a_batch_survives_a_crash_and_is_resent_verbatim(tmp_path, device, server):
    device.note("v1", "dog")
    device.retry.attempts = 1
    server.push_script = ["lost"]
    with pytest.raises(TransportError):
        device.sync()
    device.note("v1", "recorded after the crash")
    device.retry.attempts = 4
    result = device.sync()
    first, resent, new = server.of("/api/v1/sync/push")
    assert (resent["headers"]["Idempotency-Key"], resent["body"]) == (
        first["headers"]["Idempotency-Key"], first["body"])
    assert new["headers"]["Idempotency-Key"] != first["headers"]["Idempotency-Key"]
    assert result.pushed == 2


def test_rejected_rows_stay_marked_and_are_not_resent(device, server):
    good, bad = device.check_in("v1"), device.check_in("v1", lat=999, lng=0)
    server.push_script = [{"reject": {"check_ins": [bad["id"]]}}]
    result = device.sync()
    assert (result.pushed, result.rejected) == (1, 1)
    assert device.status()["rejected"] == [{"table": "check_ins", "id": bad["id"]}]
    device.sync()
    assert len(server.of("/api/v1/sync/push")) == 1
    assert set(server.stored) == {("check_ins", good["id"])}


def test_conflict_pulls_and_pushes_a_new_batch(device, server):
    device.check_in("v1")
    server.push_script = [409, 200]
    server.pulls.append({"changes": {}, "timestamp": 9, "has_more": False})
    result = device.sync()
    first, second = server.of("/api/v1/sync/push")
    assert result.conflicts == 1 and result.pushed == 1
    assert first["headers"]["Idempotency-Key"] != second["headers"]["Idempotency-Key"]
    assert second["params"] == {"last_pulled_at": 9}


def test_a_refused_push_is_an_error_and_keeps_the_batch(device, server):
    device.check_in("v1")
    server.push_script = [422]
    with pytest.raises(SyncError, match="422"):
        device.sync()
    assert device.store.open_batch() is not None and device.status()["outbox"] == 1


def test_photos_are_uploaded_by_hash_before_their_fact(device, server):
    fact = device.photo("v1", b"jpeg bytes")
    sha = hashlib.sha256(b"jpeg bytes").hexdigest()
    assert fact["sha256"] == sha
    device.sync()
    paths = [r["path"] for r in server.requests[-3:]]
    assert paths == [f"/api/v1/attachments/{sha}", "/api/v1/sync/push", "/api/v1/sync/pull"]
    assert server.requests[-3]["body"] == b"jpeg bytes"
    assert server.requests[-3]["params"] == {"visit_id": "v1"}  # bytes are uploaded per visit


def test_paged_first_sync_follows_has_more(tmp_path, server):
    client = DoorstepClient(tmp_path, transport=server,
                            retry=RetryPolicy(sleep=lambda s: None))
    client.login("http://doorstep.test", "ann", "pw", "phone-ann")
    server.pulls += [
        {"changes": {"visits": {"created": [VISIT], "updated": [], "deleted": []}},
         "timestamp": 77, "has_more": True},
        {"changes": {"cases": {"created": [{"id": "c1"}], "updated": [], "deleted": []}},
         "timestamp": 80, "has_more": False}]
    result = client.pull(limit=1)
    client.close()
    pulls = server.of("/api/v1/sync/pull")
    assert [p["params"].get("last_pulled_at") for p in pulls] == ["", 77]
    assert all(p["params"]["limit"] == 1 for p in pulls)
    assert result.upserted == 2 and result.timestamp == 80


def test_tombstones_drop_rows(device, server):
    server.pulls.append({"changes": {"visits": {"created": [], "updated": [],
                                                "deleted": ["v1"]}},
                         "timestamp": 6, "has_more": False})
    assert device.sync().deleted == 1
    assert device.store.rows("visits") == []
