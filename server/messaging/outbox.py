"""The operators' outbox: list and filter the messages of cases they may read, cancel one
that should not go, retry one that failed or was interrupted. Every change is audited; the
delivery job checks the rules again when a retried message is sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.access import Caller, case_readable
from server.audit import service as audit
from server.errors import Conflict, NotFound
from server.messaging import states
from server.models import Case, OutboxMessage

OM = OutboxMessage


def outbox_query(caller: Caller, filters: Mapping[str, Any]) -> Select:
    """Messages on cases the caller may read, soonest due first, filtered."""
    stmt = select(OM).join(Case, Case.id == OM.case_id).where(case_readable(caller))
    for name in ("status", "channel", "case_id", "template", "provider"):
        if filters.get(name):
            stmt = stmt.where(getattr(OM, name) == filters[name])
    if filters.get("due_from"):
        stmt = stmt.where(OM.due_at >= filters["due_from"])
    if filters.get("due_to"):
        stmt = stmt.where(OM.due_at < filters["due_to"])
    return stmt.order_by(OM.due_at, OM.id)


def readable_message(session: Session, caller: Caller, message_id: str) -> OutboxMessage:
    """One message of a case the caller may read; any other id is NotFound."""
    found = session.scalar(outbox_query(caller, {}).where(OM.id == message_id))
    if found is None:
        raise NotFound(f"no message {message_id!r}")
    return found


def cancel_message(session: Session, caller: Caller, message_id: str, reason: str,
                   now: datetime) -> OutboxMessage:
    """Withdraw a message that has not gone out (pending, blocked, failed or unknown)."""
    message = readable_message(session, caller, message_id)
    if message.status not in states.CANCELLABLE:
        raise Conflict(f"a {message.status} message can't be cancelled")
    before, message.status, message.last_error = message.status, states.CANCELLED, reason
    session.flush()
    audit.record(session, caller.user_id, "outbox.cancel", "outbox_message", message.id,
                 {"from": before, "reason": reason}, now=now)
    return message


def retry_message(session: Session, caller: Caller, message_id: str,
                  now: datetime) -> OutboxMessage:
    """Queue a failed, blocked, cancelled or interrupted message again, due now, with fresh
    attempts; the rules are checked again when it is sent."""
    message = readable_message(session, caller, message_id)
    if message.status not in states.RETRYABLE:
        raise Conflict(f"a {message.status} message can't be retried")
    before = message.status
    message.status, message.due_at, message.attempts = states.PENDING, now, 0
    message.last_error = message.failed_at = None
    session.flush()
    audit.record(session, caller.user_id, "outbox.retry", "outbox_message", message.id,
                 {"from": before}, now=now)
    return message
