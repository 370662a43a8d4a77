"""The only place that touches the network: a small interface a test can replace."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol


class TransportError(Exception):
    """The request may or may not have reached the server (connection reset, timeout …)."""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Transport(Protocol):
    def request(self, method: str, url: str, *, headers: dict, params: dict | None = None,
                body: bytes | None = None) -> Response: ...


class RequestsTransport:
    """HTTP with `requests`; connection problems become TransportError.

    So does an answer cut short: a server killed while it writes the body leaves fewer bytes
    than its Content-Length (`ChunkedEncodingError`) or a broken gzip stream
    (`ContentDecodingError`); the request may have been applied, so it is retried like a reset.

    One case is retried here, at once and once, as Android's OkHttp does: a kept-alive
    connection the server closed just as the request went out on it (the server's keep-alive
    timeout, a worker restarting) ends without a byte of answer. Every request of the protocol
    may be sent twice (pushes carry their Idempotency-Key), and a second failure, or any other,
    is the caller's to retry with backoff.
    """

    def __init__(self, timeout: float = 30.0):
        import requests

        self._requests = requests
        self._session = requests.Session()
        self.timeout = timeout

    def request(self, method, url, *, headers, params=None, body=None) -> Response:
        errors = self._requests.exceptions
        for attempt in (1, 2):
            try:
                r = self._session.request(method, url, headers=headers, params=params,
                                          data=body, timeout=self.timeout)
            except errors.Timeout as exc:
                raise TransportError(str(exc)) from exc
            except errors.ConnectionError as exc:
                if attempt == 1 and _closed_before_answering(exc):
                    continue
                raise TransportError(str(exc)) from exc
            except (errors.ChunkedEncodingError, errors.ContentDecodingError) as exc:
                raise TransportError(str(exc)) from exc
            return Response(r.status_code, r.content, dict(r.headers))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._session.close()


def _closed_before_answering(exc: BaseException) -> bool:
    """Whether a connection error is a connection closed by the server before any answer
    (http.client's RemoteDisconnected, or a reset or broken pipe on a reused connection),
    rather than a refused connection, a name that does not resolve or a timeout."""
    import http.client

    seen: set[int] = set()
    pending: list = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, http.client.RemoteDisconnected | BrokenPipeError):
            return True
        if isinstance(error, ConnectionResetError) and not isinstance(
                error, ConnectionRefusedError):
            return True
        if isinstance(error, BaseException):
            pending.extend([error.__cause__, error.__context__,
                            *(a for a in error.args if isinstance(a, BaseException))])
    return False

