"""The delivery job's wiring: the configured gateway, rate limits and metrics, built once per
app, then one call to the delivery service."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from flask import Flask, current_app
from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session, sessionmaker

from server.messaging.delivery import Delivery, DeliverySettings, deliver_outbox
from server.messaging.factory import gateway_from_config
from server.messaging.ratelimit import RateLimiter
from server.observability.messaging import MessagingMetrics

log = logging.getLogger("doorstep.messaging")
KEY = "doorstep.messaging"
JOB_REGISTRY = "doorstep.job_registry"  # the scheduler's metrics registry, when it runs


def banner(config: Mapping) -> str:
    """Which provider sends each channel; says so plainly when nothing leaves the machine."""
    described = gateway_from_config(config).describe()
    if "log" in {config.get("SMS_PROVIDER", "log"), config.get("EMAIL_PROVIDER", "log")}:
        return f"messages: {described} (log only: those are written to the log, not sent)"
    return f"messages: {described}"


def delivery_for(app: Flask) -> Delivery:
    """The app's delivery setup, built on first use."""
    if KEY not in app.extensions:
        cfg = app.config
        gateway = gateway_from_config(cfg)
        log.info(banner(cfg))
        settings = DeliverySettings(
            cfg["MESSAGING_BATCH_SIZE"], cfg["MESSAGING_MAX_BATCHES"],
            concurrency=cfg["MESSAGING_CONCURRENCY"], max_attempts=cfg["MESSAGING_MAX_ATTEMPTS"],
            backoff_s=cfg["MESSAGING_BACKOFF_S"], lease_s=cfg["MESSAGING_LEASE_S"],
            daily_cap=cfg["MESSAGING_DAILY_CAP"], default_tz=cfg["SCHEDULER_TIMEZONE"],
            holder=cfg.get("SCHEDULER_HOLDER") or "delivery")
        limiters = {p.name: RateLimiter(cfg["MESSAGING_RATE_PER_S"])
                    for p in gateway.providers.values()}
        metrics = MessagingMetrics(app.extensions.get(JOB_REGISTRY) or CollectorRegistry())
        app.extensions[KEY] = Delivery(gateway, settings, limiters, observe=metrics.observe)
    return app.extensions[KEY]


def deliver_messages(session: Session, now: datetime, _settings) -> dict:
    """Drain the outbox (the delivery service commits per batch through its own units)."""
    run = delivery_for(current_app._get_current_object())
    return deliver_outbox(sessionmaker(bind=session.get_bind()), run)
