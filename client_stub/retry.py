"""Retries with exponential backoff and full jitter (AWS architecture blog, 2015)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from client_stub.transport import Response, TransportError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    attempts: int = 6  # in all, the first one included
    base: float = 0.5  # seconds
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**retry)]."""
        return self.rng.uniform(0, min(self.cap, self.base * (2 ** retry)))

    def call(self, send: Callable[[], Response]) -> Response:
        """Call `send` until it answers something final; the last failure is raised/returned.

        Retried: TransportError, 429 and 5xx gateway/availability answers. A Retry-After header
        (seconds) is honoured as a lower bound, within `cap`.
        """
        for retry in range(self.attempts):
            last = retry == self.attempts - 1
            try:
                response = send()
            except TransportError:
                if last:
                    raise
                self.sleep(self.delay(retry))
                continue
            if response.status not in RETRY_STATUSES or last:
                return response
            wait = self.delay(retry)
            after = _retry_after(response)
            if after is not None:
                wait = max(wait, min(after, self.cap))
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(response: Response) -> float | None:
    for key, value in response.headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None
