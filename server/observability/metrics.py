"""Metric families, each set on its own registry; no Flask, no personal data in any label."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

log = logging.getLogger("doorstep.metrics")
# Request latency buckets: health and reads in milliseconds, big pushes and plans in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ApiMetrics:
    """What the API workers count: request latency and sync push rows."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.request_seconds = Histogram(
            "doorstep_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status class.",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=registry)
        self.sync_applied = Counter(
            "doorstep_sync_rows_applied", "Rows of sync pushes applied, by table.",
            ["table"], registry=registry)
        self.routing_fallbacks = Counter(
            "doorstep_routing_matrix_fallback_plans",
            "Collector plans stored with travel times estimated by straight line (OSRM failed).",
            registry=registry)
        self.sync_rejected = Counter(
            "doorstep_sync_rows_rejected",
            "Rows of sync pushes rejected back to the device, by table.",
            ["table"], registry=registry)

    def observe_fallback_plans(self, count: int) -> None:
        """Count stored plans whose travel matrix fell back to straight lines."""
        if count:
            self.routing_fallbacks.inc(count)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One answered request; the route is the URL rule, never the raw path."""
        method = method if method in METHODS else "OTHER"
        self.request_seconds.labels(route, method, f"{status // 100}xx").observe(seconds)

    def observe_push(self, answer: dict) -> None:
        """Count a push answer's applied rows and rejected ids, per table."""
        for table, count in (answer.get("applied") or {}).items():
            if count:
                self.sync_applied.labels(table).inc(count)
        for table, ids in (answer.get("experimentalRejectedIds") or {}).items():
            if ids:
                self.sync_rejected.labels(table).inc(len(ids))


class CountCollector:
    """A gauge of database counts by label, counted at scrape time and cached for `ttl_s`."""

    def __init__(self, name: str, documentation: str, label: str,
                 count: Callable[[], dict[str, int]], ttl_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self.name, self.documentation, self.label = name, documentation, label
        self.count, self.ttl_s, self.clock = count, ttl_s, clock
        self._cached: tuple[float, dict[str, int]] | None = None
        self._lock = threading.Lock()

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label])
        counts = self._counts()
        if counts is not None:
            for key, rows in sorted(counts.items()):
                family.add_metric([key], rows)
        yield family

    def _counts(self) -> dict[str, int] | None:
        with self._lock:
            now = self.clock()
            if self._cached is not None and now - self._cached[0] < self.ttl_s:
                return self._cached[1]
            try:
                counts = self.count()
            except Exception:  # a scrape must answer even when the database does not
                log.warning("%s count failed", self.name, exc_info=True)
                return None
            self._cached = (now, counts)
            return counts


def quarantine_collector(count: Callable[[], dict[str, int]], ttl_s: float = 5.0,
                         clock: Callable[[], float] = time.monotonic) -> CountCollector:
    """Open quarantine rows per table."""
    return CountCollector("doorstep_sync_quarantine_open_rows",
                          "Quarantined sync rows waiting for a person, by table.", "table",
                          count, ttl_s, clock)


def fact_effects_collector(count: Callable[[], dict[str, int]], ttl_s: float = 5.0,
                           clock: Callable[[], float] = time.monotonic) -> CountCollector:
    """Pushes whose ledger, address evidence and compliance flags are still to be worked out."""
    return CountCollector("doorstep_sync_effects_queued_pushes",
                          "Pushes whose after-effects (ledger, address evidence, compliance "
                          "flags) are waiting; state=retrying: single facts whose effects "
                          "failed; state=failed needs an operator.", "state",
                          count, ttl_s, clock)


def imports_collector(count: Callable[[], dict[str, int]], ttl_s: float = 5.0,
                      clock: Callable[[], float] = time.monotonic) -> CountCollector:
    """Background imports not finished yet, by status."""
    return CountCollector("doorstep_imports_in_flight",
                          "Background case imports queued or running (docs/import.md).",
                          "status", count, ttl_s, clock)


class JobMetrics:
    """What the scheduler process counts: runs and failures per job, leadership."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.runs = Counter("doorstep_job_runs", "Finished job runs, by job.", ["job"],
                            registry=self.registry)
        self.failures = Counter("doorstep_job_failures", "Failed job runs, by job.", ["job"],
                                registry=self.registry)
        self.seconds = Histogram("doorstep_job_duration_seconds", "Job run time, by job.",
                                 ["job"], buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
                                 registry=self.registry)
        self.last_success = Gauge(
            "doorstep_job_last_success_timestamp_seconds",
            "Unix time of the job's last succeeded run in this process.", ["job"],
            multiprocess_mode="max", registry=self.registry)
        self.leader = Gauge("doorstep_scheduler_leader",
                            "1 while this scheduler process holds the leader lease.",
                            multiprocess_mode="livemax", registry=self.registry)

    def observe_run(self, job: str, succeeded: bool, seconds: float) -> None:
        """One finished run of `job`."""
        self.runs.labels(job).inc()
        self.seconds.labels(job).observe(seconds)
        if succeeded:
            self.last_success.labels(job).set_to_current_time()
        else:
            self.failures.labels(job).inc()
