"""Observability: Prometheus metrics for the API (/metrics) and the scheduler process."""

from __future__ import annotations


def init_app(app) -> None:
    """Install the API's metrics; imported lazily so `metrics` stays importable without Flask."""
    from server.observability import http

    http.init_app(app)
