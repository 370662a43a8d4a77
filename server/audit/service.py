"""Record audit events and verify the chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.audit.chain import GENESIS, Break, event_hash, find_break
from server.models import AuditEvent, utcnow

# Any constant works; it names the lock that orders writers of the chain on PostgreSQL.
_CHAIN_LOCK = 0x4155444954  # "AUDIT"


def record(session: Session, actor_id: str | None, action: str, object_type: str | None = None,
           object_id: str | None = None, detail: dict | None = None,
           now: datetime | None = None) -> AuditEvent:
    """Append one event to the chain in the caller's transaction (call it last, then commit)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held until commit: two writers can't both link to the same previous event.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    occurred_at = now or utcnow()
    detail = detail or {}
    event = AuditEvent(occurred_at=occurred_at, actor_id=actor_id, action=action,
                       object_type=object_type, object_id=object_id, detail=detail,
                       prev_hash=prev or GENESIS)
    event.hash = event_hash(event.prev_hash, occurred_at, actor_id, action, object_type,
                            object_id, detail)
    session.add(event)
    session.flush()
    return event


def _in_order(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def verify(session: Session, anchor: str | None = None) -> tuple[int, Break | None]:
    """Check the whole chain; returns how many events were read and the first break, if any.

    A chain can't show that its newest events were cut off; an `anchor` (a head hash printed by
    an earlier verify and kept elsewhere) must still be in the chain, which catches that.
    """
    counted = 0
    if anchor and session.scalar(select(AuditEvent.id).where(AuditEvent.hash == anchor)) is None:
        return 0, Break(0, "the anchor hash is no longer in the chain (events were removed)")

    def counting():
        nonlocal counted
        for event in _in_order(session):
            counted += 1
            yield event

    broken = find_break(counting())
    return counted, broken


def head_hash(session: Session) -> str:
    """The newest event's hash (the value to keep as an anchor)."""
    latest = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return latest or GENESIS
