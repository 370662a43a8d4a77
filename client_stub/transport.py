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
    """

    def __init__(self, timeout: float = 30.0):
        import requests

        self._requests = requests
        self._session = requests.Session()
        self.timeout = timeout

    def request(self, method, url, *, headers, params=None, body=None) -> Response:
        try:
            r = self._session.request(method, url, headers=headers, params=params, data=body,
                                      timeout=self.timeout)
        except (self._requests.ConnectionError, self._requests.Timeout,
                self._requests.exceptions.ChunkedEncodingError,
                self._requests.exceptions.ContentDecodingError) as exc:
            raise TransportError(str(exc)) from exc
        return Response(r.status_code, r.content, dict(r.headers))

    def close(self) -> None:
        self._session.close()
