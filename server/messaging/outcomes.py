"""Writing what a batch came to, set-based: sent rows with their ledger entries, retries with
exponential back-off, failures, deferrals and blocks. Every write is guarded by the claim
token, so a row another run has since claimed is left alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from server.db.sql import dialect
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


_LEDGER_INSERT = {"sqlite": sqlite.insert(ContactAttempt.__table__).on_conflict_do_nothing(
    index_elements=["source_table", "source_id"])}


def record_outcomes(session: Session, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Write every outcome in one executemany per kind, and the ledger of the sent ones."""
    groups: dict[str, list[dict]] = {"sent": [], "later": [], "final": []}
    for o in outcomes:
        kind = ("sent" if o.status == states.SENT else
                "later" if o.status in ("retry", "deferred") else "final")
        groups[kind].append(_values(o, now))
    postgres = dialect(session) == "postgresql"
    for kind, rows in groups.items():
        if rows and postgres and kind == "sent":
            _sent_from_arrays(session, rows)
        elif rows:
            session.connection().execute(_STATEMENTS[kind], rows)
    ledger = [{"id": new_id(), "channel": o.ledger["channel"], "case_id": o.ledger["case_id"],
               "party_id": o.ledger["party_id"], "contact_point_id": o.ledger["point_id"],
               "occurred_at": now, "connected": False, "outcome": "sent",
               "source_table": "outbox_messages", "source_id": o.message_id}
              for o in outcomes if o.status == states.SENT and o.ledger]
    if ledger and postgres:
        _ledger_from_arrays(session, ledger)
    elif ledger:  # one executemany, no RETURNING (nothing needs the ids back)
        session.connection().execute(_LEDGER_INSERT["sqlite"], ledger)


# PostgreSQL: one statement per chunk over unnest()ed arrays, instead of one per row; the
# sent rows are nearly all of a run's writes.
_SENT_PG = text(
    "UPDATE outbox_messages o SET status = 'sent', sent_at = :sent_at, provider = v.provider,"
    " provider_ref = v.ref, claimed_by = NULL, lease_until = NULL, last_error = NULL"
    " FROM unnest(CAST(:ids AS text[]), CAST(:tokens AS text[]), CAST(:refs AS text[]),"
    " CAST(:providers AS text[])) AS v(id, token, ref, provider)"
    " WHERE o.id = v.id AND o.claimed_by = v.token AND o.status = 'sending'")
_LEDGER_PG = text(
    "INSERT INTO contact_attempts (id, channel, case_id, party_id, contact_point_id,"
    " occurred_at, connected, outcome, source_table, source_id)"
    " SELECT v.id, v.channel, v.case_id, v.party_id, v.point_id, :at, false, 'sent',"
    " 'outbox_messages', v.source_id FROM unnest(CAST(:ids AS text[]),"
    " CAST(:channels AS text[]), CAST(:cases AS text[]), CAST(:parties AS text[]),"
    " CAST(:points AS text[]), CAST(:sources AS text[]))"
    " AS v(id, channel, case_id, party_id, point_id, source_id)"
    " ON CONFLICT (source_table, source_id) DO NOTHING")


def _sent_from_arrays(session: Session, rows: list[dict]) -> None:
    session.connection().execute(_SENT_PG, {
        "sent_at": rows[0]["b_sent"], "ids": [r["b_id"] for r in rows],
        "tokens": [r["b_token"] for r in rows], "refs": [r["b_ref"] for r in rows],
        "providers": [r["b_provider"] for r in rows]})


def _ledger_from_arrays(session: Session, rows: list[dict]) -> None:
    column = lambda name: [r[name] for r in rows]  # noqa: E731
    session.connection().execute(_LEDGER_PG, {
        "at": rows[0]["occurred_at"], "ids": column("id"), "channels": column("channel"),
        "cases": column("case_id"), "parties": column("party_id"),
        "points": column("contact_point_id"), "sources": column("source_id")})
