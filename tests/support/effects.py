"""Wait for the effects that follow a push (ledger, address evidence, compliance flags).

A live server drains them right after each push's answer, in its own thread; a test that
counts them waits for that drain, and sweeps as the scheduled job would if it never comes.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from server.extensions import db
from server.facts.deferred import MAX_ATTEMPTS, run_fact_effects
from server.models import FactEffect


def settle(app, wait_s: float = 10.0) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        with app.app_context():
            waiting = db.session.scalar(select(func.count()).select_from(FactEffect)
                                        .where(FactEffect.attempts < MAX_ATTEMPTS))
            if not waiting:
                return
            if time.monotonic() > deadline:
                run_fact_effects(db.session, rounds=1000)
                db.session.commit()
                return
        time.sleep(0.05)
