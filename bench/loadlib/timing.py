"""Every HTTP attempt timed, by endpoint: a Transport wrapper and the latency statistics."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from client_stub.transport import RequestsTransport, Response, TransportError

_IDS = (  # path segments that are ids, so each endpoint is one row of the report
    (re.compile(r"^(/api/v1/attachments/)[0-9a-f]{64}$"), r"\1{sha256}"),
    (re.compile(r"^(/api/v1/visits/)[0-9a-zA-Z_-]+$"), r"\1{id}"),
)


def endpoint(method: str, url: str) -> str:
    path = urlsplit(url).path
    for pattern, repl in _IDS:
        path = pattern.sub(repl, path)
    return f"{method} {path}"


@dataclass
class Sample:
    endpoint: str
    status: int  # 0: no answer (connection error, timeout)
    seconds: float
    at: float  # monotonic, when it finished
    who: str
    phase: str = "day"  # morning (log-in, first sync), day, evening (last syncs)


@dataclass
class Recorder:
    """Thread-safe list of samples; `expected` marks answers that are not errors per endpoint."""

    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def snapshot(self) -> list[Sample]:
        with self.lock:
            return list(self.samples)


class TimedTransport:
    """The client_stub transport, each attempt (retries included) timed and recorded."""

    def __init__(self, recorder: Recorder, who: str, timeout: float = 60.0):
        self.inner = RequestsTransport(timeout=timeout)
        self.recorder = recorder
        self.who = who
        self.phase = "day"

    def request(self, method, url, *, headers, params=None, body=None) -> Response:
        start = time.perf_counter()
        status = 0
        try:
            response = self.inner.request(method, url, headers=headers, params=params, body=body)
            status = response.status
            return response
        except TransportError:
            raise
        finally:
            end = time.perf_counter()
            self.recorder.add(Sample(endpoint(method, url), status, end - start,
                                     time.monotonic(), self.who, self.phase))

    def close(self) -> None:
        self.inner.close()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n * q / 100)
    return sorted_values[int(rank) - 1]


def summary(ms: list[float]) -> dict:
    """count, p50/p95/p99 and max of already sorted milliseconds."""
    return {"count": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95),
            "p99": percentile(ms, 99), "max": ms[-1] if ms else float("nan")}


def by_endpoint(samples: list[Sample]) -> dict[str, dict]:
    """count, errors, p50/p95/p99/max (ms) per endpoint, plus an 'all' row."""
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        groups.setdefault(s.endpoint, []).append(s)
    groups["all"] = list(samples)
    out = {}
    for name, group in groups.items():
        ms = sorted(s.seconds * 1000 for s in group)
        out[name] = {**summary(ms), "statuses": _statuses(group)}
    return out


def by_phase(samples: list[Sample]) -> dict[str, dict]:
    """All endpoints together, per phase of the day."""
    out = {}
    for phase in ("morning", "day", "evening"):
        ms = sorted(s.seconds * 1000 for s in samples if s.phase == phase)
        if ms:
            out[phase] = summary(ms)
    return out


SYNC_ENDPOINTS = ("POST /api/v1/sync/push", "GET /api/v1/sync/pull")


def sync_by_phase(samples: list[Sample]) -> dict[str, dict]:
    """Push and pull apart, per phase of the day (the bar is on the day's push and pull p95)."""
    out = {}
    for phase in ("morning", "day", "evening"):
        for endpoint in SYNC_ENDPOINTS:
            ms = sorted(s.seconds * 1000 for s in samples
                        if s.phase == phase and s.endpoint == endpoint)
            if ms:
                out[f"{phase}: {endpoint}"] = summary(ms)
    return out


def _statuses(group: list[Sample]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for s in group:
        counts[s.status] = counts.get(s.status, 0) + 1
    return dict(sorted(counts.items()))
