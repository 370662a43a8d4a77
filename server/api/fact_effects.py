"""Run the queued effects of pushed facts once the push's answer has gone out.

The push commits its facts and answers the device; the same worker then judges them
(server/facts/deferred.py) in a fresh unit of work, so flags appear within a second without
the device waiting. Anything this misses (a crash, an error) the `fact_effects` job sweeps.
"""

from __future__ import annotations

import logging

from flask import Flask, after_this_request, current_app

from server.facts.deferred import run_fact_effects
from server.unit_of_work import use_case

log = logging.getLogger("doorstep.sync.effects")


def drain_after_response() -> None:
    """Hook the effects drain onto this request's response."""
    if not current_app.config.get("SYNC_EFFECTS_AFTER_RESPONSE", True):
        return
    app = current_app._get_current_object()

    @after_this_request
    def _hook(response):
        response.call_on_close(lambda: drain(app))
        return response


def drain(app: Flask) -> dict | None:
    """Work off queued fact effects in a unit of work of its own; errors are only logged."""
    with app.app_context():
        try:
            with use_case() as session:
                counts = run_fact_effects(session, rounds=5)
            return counts
        except Exception:  # the scheduled sweep retries; the device already has its answer
            log.exception("draining fact effects after a push failed")
            return None
