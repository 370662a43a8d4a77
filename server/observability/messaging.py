"""Message delivery metrics: outcomes per provider and status (no recipient in any label)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class MessagingMetrics:
    """Counts outbox outcomes: sent, retry, failed, deferred, blocked, delivered, unknown."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.messages = Counter(
            "doorstep_messages", "Outbox message outcomes, by provider and status.",
            ["provider", "status"], registry=registry)

    def observe(self, provider: str, status: str, count: int = 1) -> None:
        """Count `count` messages of `provider` reaching `status`."""
        self.messages.labels(provider, status).inc(count)


def api_messaging_metrics(app) -> MessagingMetrics:
    """The API's messaging counters (receipts), on the API's own registry."""
    key = "doorstep.messaging_metrics"
    if key not in app.extensions:
        app.extensions[key] = MessagingMetrics(app.extensions["doorstep.metrics"].registry)
    return app.extensions[key]
