"""Work off the queued effects of pushed facts in the background, off the request worker.

The push commits its facts and answers the device; once the answer has gone out it only wakes
this process's drain thread (server/facts/deferred.py does the work, in a fresh unit of work),
so the request worker is free for the next request at once and flags still appear within
seconds. One thread per process, started lazily by the first push and ended after a quiet
minute: it coalesces wake-ups (one pass after a burst of pushes, not one per push) and claims
queue rows with the same SKIP LOCKED as every other drainer, so several processes drain side
by side. Anything it misses (a crash, a kill mid-drain, an error) the `fact_effects` job sweeps:
the queue row is deleted in the same transaction as the effects it stands for.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask, after_this_request, current_app

from server.facts.deferred import run_fact_effects
from server.unit_of_work import use_case

log = logging.getLogger("doorstep.sync.effects")

EXTENSION = "doorstep.fact_effects_drainer"
IDLE_EXIT_S = 60.0  # an idle drain thread ends after this; the next push starts another
MAX_PASSES = 100  # per wake-up: a backlog beyond 100 rounds is the scheduled sweep's
BUSY_WAIT_S, BUSY_FOR_S = 0.2, 15.0  # another process draining: ask again, for so long
_CREATE = threading.Lock()


def drain_after_response() -> None:
    """Wake this process's drain thread once this request's response has been sent."""
    if not current_app.config.get("SYNC_EFFECTS_AFTER_RESPONSE", True):
        return
    app = current_app._get_current_object()

    @after_this_request
    def _hook(response):
        response.call_on_close(lambda: drainer(app).wake())
        return response


def drain(app: Flask) -> dict | None:
    """Work off queued fact effects in a unit of work of its own; errors are only logged."""
    with app.app_context():
        try:
            with use_case() as session:
                # a round per transaction: row locks held for one round (D-one-drain)
                counts = run_fact_effects(session, rounds=1)
            return counts
        except Exception:  # the scheduled sweep retries; the device already has its answer
            log.exception("draining fact effects after a push failed")
            return None


def drainer(app: Flask) -> Drainer:
    """This process's drainer of the app (a forked worker gets its own)."""
    current = app.extensions.get(EXTENSION)
    if current is None or current.pid != os.getpid():
        with _CREATE:  # two request threads of one worker share one drainer
            current = app.extensions.get(EXTENSION)
            if current is None or current.pid != os.getpid():
                current = app.extensions[EXTENSION] = Drainer(app)
    return current


def wait_for_effects(app: Flask, timeout_s: float = 30.0) -> bool:
    """Block until this process's drain thread has nothing asked of it (tests, shutdown)."""
    current = app.extensions.get(EXTENSION)
    if current is None or current.pid != os.getpid():
        return True
    return current.wait_idle(timeout_s)


class Drainer:
    """One background thread that drains the effects queue whenever a push wakes it."""

    def __init__(self, app: Flask):
        self.app, self.pid = app, os.getpid()
        self._cond = threading.Condition()
        self._wanted = False  # woken since the thread last started a pass
        self._busy = False
        self._thread: threading.Thread | None = None
        self.passes = 0  # drain passes run (for tests and logs)

    def wake(self) -> None:
        with self._cond:
            self._wanted = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fact-effects",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._wanted and not self._busy, timeout_s)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: self._wanted, IDLE_EXIT_S):
                    self._thread = None  # the next wake starts a fresh thread
                    return
                self._wanted, self._busy = False, True
            try:
                self._drain()
            except Exception:  # never let the thread die with the flag up
                log.exception("fact effects drain thread failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _drain(self) -> None:
        """Passes while they get through pushes and more wait (at most MAX_PASSES): a pass that
        got nowhere (only failing rows left) leaves the rest to the next wake or the sweep, so
        a failing row is not retried in a tight loop. While another process's drain holds the
        drain lock this one waits and asks again (BUSY_WAIT_S, for up to BUSY_FOR_S): that
        drain may have counted the queue before this process's push committed."""
        passes = busy = 0
        while passes < MAX_PASSES:
            counts = drain(self.app)
            self.passes += 1
            if counts and counts.get("busy"):
                busy += 1
                if busy * BUSY_WAIT_S >= BUSY_FOR_S:
                    return  # a drain that busy takes the new rows too, or the sweep does
                time.sleep(BUSY_WAIT_S)
                continue
            passes += 1
            if not counts or not counts["waiting"] or not counts["pushes"]:
                return
