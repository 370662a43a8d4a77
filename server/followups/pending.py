"""What the compliance-timed follow-ups share: the `pending` status and the one bulk update
that opens or cancels a batch of pending follow-ups (the ledger as the engine reads it is
`server.compliance.inputs.ledger_attempt`).

The promise monitor inserts a broken promise's follow-up `pending` (set-based: it judges a
million promises in one run, while the rules are per debtor). `server.followups.calls` and
`server.followups.revisits` then time them in bounded batches; `server.followups.backlog`
loops over those batches within a time budget.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from server.models import FollowUp

PENDING = "pending"  # inserted by the promise monitor, not yet timed by the compliance rules
BATCH = 1000  # pending follow-ups of one kind timed per batch: bounds one batch's Python work
_FU = FollowUp.__table__


def decision(follow_up_id: str, due_at: datetime | None, why: str, now: datetime,
             what: str) -> dict:
    """Open the follow-up due at `due_at`, or (None) cancel it with `<what> skipped: <why>`."""
    if due_at is not None:
        return {"fid": follow_up_id, "new_status": "open", "new_due_at": due_at,
                "new_resolution": None, "new_completed_at": None}
    return {"fid": follow_up_id, "new_status": "cancelled", "new_due_at": now,
            "new_resolution": f"{what} skipped: {why}"[:300], "new_completed_at": now}


def apply_decisions(session: Session, changes: list[dict], now: datetime) -> tuple[int, int]:
    """Write the decisions in one executemany; only rows still `pending` change (a follow-up a
    dispatcher cancelled meanwhile stays cancelled). Returns (opened, cancelled) decided."""
    if changes:
        session.connection().execute(
            update(_FU).where(_FU.c.id == bindparam("fid"), _FU.c.status == PENDING).values(
                status=bindparam("new_status"), due_at=bindparam("new_due_at"),
                resolution=bindparam("new_resolution"),
                completed_at=bindparam("new_completed_at"), updated_at=now),
            changes)
    cancelled = sum(1 for c in changes if c["new_status"] == "cancelled")
    return len(changes) - cancelled, cancelled
