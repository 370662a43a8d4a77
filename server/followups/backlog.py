"""The pending follow-ups' backlog: timed in bounded batches until none is left or the budget
is spent.

One batch times at most `batch` pending calls and `batch` pending revisits (each batch's inputs
loaded in a fixed number of queries, so memory and Python work stay bounded); batches follow
each other within one run until a batch finds fewer than `batch` of each kind (nothing is left)
or `budget_s` seconds (by `clock`) have passed since the first one. A day of 50,000 broken
promises is then timed in one or a few runs instead of fifty. At least one batch always runs,
so the backlog shrinks whatever the budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.followups.calls import time_call_follow_ups
from server.followups.pending import BATCH, PENDING
from server.followups.revisits import time_revisit_follow_ups
from server.models import FollowUp

BUDGET_S = 60.0  # of a 15-minute monitor interval: the rest of the run and the next one fit


def time_pending_follow_ups(
    session: Session, now: datetime, default_tz: str, batch: int = BATCH,
    budget_s: float = BUDGET_S, clock: Callable[[], float] = time.monotonic,
    after_batch: Callable[[Session], None] | None = None,
) -> dict[str, int]:
    """Time pending call and revisit follow-ups batch after batch; returns the counts, the
    batches run and how many are still pending (0 unless the budget stopped it).

    `after_batch` runs after each batch: the scheduled job passes `unit_of_work.checkpoint`, so
    a long backlog never holds its locks (on SQLite: the database's one write lock) for the
    whole budget, and each batch's work is kept even if a later one fails; every step is
    idempotent.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    started = clock()
    totals = {"calls_due": 0, "calls_cancelled": 0, "revisits_due": 0, "revisits_cancelled": 0}
    batches = 0
    while True:
        calls = time_call_follow_ups(session, now, default_tz, batch)
        revisits = time_revisit_follow_ups(session, now, default_tz, batch)
        batches += 1
        if after_batch is not None:
            after_batch(session)
        for counts in (calls, revisits):
            for name, n in counts.items():
                totals[name] += n
        drained = (sum(calls.values()) < batch and sum(revisits.values()) < batch)
        if drained or clock() - started >= budget_s:
            break
    left = 0 if drained else session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.status == PENDING))
    return {**totals, "timing_batches": batches, "pending_left": left}
