"""Writing what a batch came to, set-based: sent rows with their ledger entries, retries with
exponential back-off, failures, deferrals and blocks. Every write is guarded by the claim
token, so a row another run has since claimed is left alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from server.jobs.sql import insert_ignore
from server.messaging import states
from server.models import ContactAttempt, OutboxMessage, new_id

MAX_BACKOFF = timedelta(hours=6)
_T = OutboxMessage.__table__


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed message."""

    message_id: str
    token: str
    status: str  # a state, or "retry"
    at: datetime | None = None  # when to try again (deferred, retry)
    reason: str | None = None
    provider: str | None = None
    provider_ref: str | None = None
    attempts: int = 0
    ledger: dict | None = None  # case, party and contact point of a sent message


def backoff(attempts: int, base_s: int) -> timedelta:
    """The wait before try `attempts + 1`: base, 2x base, 4x base … at most six hours."""
    return min(MAX_BACKOFF, timedelta(seconds=base_s * 2 ** max(0, attempts - 1)))


def retry_or_fail(outcome: Outcome, now: datetime, max_attempts: int, base_s: int) -> Outcome:
    """A transient failure: tried again later, or failed once out of attempts."""
    if outcome.attempts >= max_attempts:
        return Outcome(outcome.message_id, outcome.token, states.FAILED, now,
                       f"gave up after {outcome.attempts} attempts: {outcome.reason}",
                       outcome.provider, attempts=outcome.attempts)
    return Outcome(outcome.message_id, outcome.token, "retry",
                   now + backoff(outcome.attempts, base_s), outcome.reason, outcome.provider,
                   attempts=outcome.attempts)


def _values(o: Outcome, now: datetime) -> dict:
    base = {"b_id": o.message_id, "b_token": o.token, "b_error": (o.reason or None) and
            o.reason[:300], "b_provider": o.provider}
    if o.status == states.SENT:
        return {**base, "b_status": states.SENT, "b_sent": now, "b_ref": o.provider_ref}
    if o.status in ("retry", "deferred"):
        return {**base, "b_status": states.PENDING, "b_due": o.at,
                "b_undo": 1 if o.status == "deferred" else 0}
    return {**base, "b_status": o.status, "b_failed": now if o.status == states.FAILED
            else None}


_GUARD = (_T.c.id == bindparam("b_id"), _T.c.claimed_by == bindparam("b_token"),
          _T.c.status == states.SENDING)
_RELEASE = {"claimed_by": None, "lease_until": None, "last_error": bindparam("b_error")}
_STATEMENTS = {
    "sent": update(_T).where(*_GUARD).values(
        status=bindparam("b_status"), sent_at=bindparam("b_sent"),
        provider=bindparam("b_provider"), provider_ref=bindparam("b_ref"), **_RELEASE),
    "later": update(_T).where(*_GUARD).values(
        status=bindparam("b_status"), due_at=bindparam("b_due"),
        attempts=_T.c.attempts - bindparam("b_undo"), **_RELEASE),
    "final": update(_T).where(*_GUARD).values(
        status=bindparam("b_status"), failed_at=bindparam("b_failed"),
        provider=bindparam("b_provider"), **_RELEASE),
}


def record_outcomes(session: Session, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Write every outcome in one executemany per kind, and the ledger of the sent ones."""
    groups: dict[str, list[dict]] = {"sent": [], "later": [], "final": []}
    for o in outcomes:
        kind = ("sent" if o.status == states.SENT else
                "later" if o.status in ("retry", "deferred") else "final")
        groups[kind].append(_values(o, now))
    for kind, rows in groups.items():
        if rows:
            session.connection().execute(_STATEMENTS[kind], rows)
    ledger = [{"id": new_id(), "channel": o.ledger["channel"], "case_id": o.ledger["case_id"],
               "party_id": o.ledger["party_id"], "contact_point_id": o.ledger["point_id"],
               "occurred_at": now, "connected": False, "outcome": "sent",
               "source_table": "outbox_messages", "source_id": o.message_id}
              for o in outcomes if o.status == states.SENT and o.ledger]
    insert_ignore(session, ContactAttempt.__table__, ledger, conflict=("source_table",
                                                                        "source_id"))
