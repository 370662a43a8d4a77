"""Answers cut short by a server that died mid-answer are retried like a reset (no network)."""

from __future__ import annotations

import json
import random

import pytest
import requests

from client_stub import DoorstepClient, RequestsTransport, RetryPolicy, TransportError
from tests.unit.client_stub.fake import FakeServer


class BrokenSession:
    """A requests session whose every request fails with `error`."""

    def __init__(self, error: Exception):
        self.error = error
        self.calls = 0

    def request(self, *args, **kwargs):
        self.calls += 1
        raise self.error

    def close(self):
        pass


@pytest.mark.parametrize("error", [
    requests.exceptions.ConnectionError("reset by peer"),
    requests.exceptions.ReadTimeout("no answer"),
    requests.exceptions.ChunkedEncodingError("IncompleteRead(10 bytes read, 90 more expected)"),
    requests.exceptions.ContentDecodingError("incomplete gzip stream"),
])
def test_a_reset_a_timeout_or_a_body_cut_short_is_a_transport_error(error):
    transport = RequestsTransport(timeout=1)
    transport._session = BrokenSession(error)
    with pytest.raises(TransportError):
        transport.request("POST", "http://doorstep.test/api/v1/sync/push", headers={}, body=b"{}")


def test_other_request_errors_are_not_retried_as_transport_errors():
    transport = RequestsTransport(timeout=1)
    transport._session = BrokenSession(requests.exceptions.InvalidURL("no host"))
    with pytest.raises(requests.exceptions.InvalidURL):
        transport.request("GET", "http://", headers={})


@pytest.fixture
def device(tmp_path):
    server = FakeServer()
    slept: list = []
    client = DoorstepClient(tmp_path, transport=server,
                            retry=RetryPolicy(attempts=4, sleep=slept.append,
                                              rng=random.Random(0)))
    client.login("http://doorstep.test/", "ann", "pw", "phone-ann")
    client.sync()
    client.server, client.slept = server, slept
    yield client
    client.close()


def test_a_push_answered_200_with_a_body_cut_short_is_resent_with_its_key(device):
    device.record("visit_notes", {"visit_id": "v1", "body": "dog"})
    device.server.push_script = ["cut", 200]
    result = device.sync()
    pushes = device.server.of("/api/v1/sync/push")
    assert len(pushes) == 2 and len(device.slept) == 1
    assert len({(p["headers"]["Idempotency-Key"], p["body"]) for p in pushes}) == 1
    assert result.pushed == 1 and device.status()["outbox"] == 0
    assert len(device.server.stored) == 1


def test_a_pull_answered_200_with_an_empty_body_is_retried(device):
    pulls_before = len(device.server.of("/api/v1/sync/pull"))
    answers = iter([b"", json.dumps({"changes": {}, "timestamp": 42,
                                     "has_more": False}).encode()])
    real = device.server.request

    def request(method, url, **kwargs):
        response = real(method, url, **kwargs)
        if url.endswith("/api/v1/sync/pull"):
            response.body = next(answers)
        return response

    device.server.request = request
    assert device.pull().timestamp == 42
    assert len(device.server.of("/api/v1/sync/pull")) == pulls_before + 2
    assert device.store.get("last_pulled_at") == 42


def test_a_cut_answer_is_raised_once_the_attempts_run_out(device):
    device.record("visit_notes", {"visit_id": "v1", "body": "dog"})
    device.server.push_script = ["cut"] * 4
    with pytest.raises(TransportError, match="cut short"):
        device.sync()
    assert device.store.open_batch() is not None  # kept, to be resent with the same key
