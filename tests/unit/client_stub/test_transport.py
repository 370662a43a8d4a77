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


class KeepAliveRace:
    """A local HTTP/1.1 server that answers the first request of each connection and keeps it
    open, then closes it without a word when a second request arrives on it: the race of a
    server's keep-alive timeout with a client reusing the connection."""

    def __init__(self):
        import socket
        import threading

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/v1/sync/pull"
        self.answered = 0
        self.dropped = 0
        self.threads = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading

        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self.threads.append(thread)

    @staticmethod
    def _read_request(conn) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return False
            data += chunk
        return True

    def _serve(self, conn):
        with conn:
            if not self._read_request(conn):
                return
            body = b'{"ok": true}'
            self.answered += 1  # counted before the client can read the answer
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Connection: keep-alive\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
            if self._read_request(conn):
                self.dropped += 1  # closed with the request unanswered

    def close(self):
        self.listener.close()


def test_a_kept_alive_connection_closed_by_the_server_is_retried_at_once_on_a_new_one():
    server = KeepAliveRace()
    transport = RequestsTransport(timeout=5)
    try:
        first = transport.request("GET", server.url, headers={})
        second = transport.request("GET", server.url, headers={})  # reuses the connection
    finally:
        transport.close()
        server.close()
    assert first.status == second.status == 200
    assert server.dropped == 1 and server.answered == 2


def test_a_refused_connection_is_not_retried_at_once():
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there
    transport = RequestsTransport(timeout=5)
    calls = []
    real = transport._session.request

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    transport._session.request = counted
    with pytest.raises(TransportError):
        transport.request("GET", f"http://127.0.0.1:{port}/", headers={})
    transport.close()
    assert len(calls) == 1
