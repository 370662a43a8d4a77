"""Record audit events and verify the chain.

`record` only queues an event on the session; the chain is extended when the transaction
commits (a `before_commit` hook), so the lock that orders writers of the chain is held for the
last moment of a transaction, not through whatever slow work the use case did after recording.
A rolled-back transaction leaves no event, as it leaves no other write.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from server.audit.anchors import check_anchors, write_anchor
from server.audit.chain import GENESIS, Break, event_hash, find_break
from server.models import AuditEvent, utcnow

# Any constant works; it names the lock that orders writers of the chain on PostgreSQL.
_CHAIN_LOCK = 0x4155444954  # "AUDIT"
_PENDING = "doorstep_audit_pending"
_MARKS = "doorstep_audit_savepoint_marks"  # savepoint -> events queued before it began
_KEY: dict[str, bytes] = {}  # the chain's HMAC key, set by install() from AUDIT_HMAC_KEY


def chain_key() -> bytes:
    """The HMAC key of the chain (from the environment via config; never in the database)."""
    key = _KEY.get("key")
    if key is None:
        raise RuntimeError("the audit chain's key is not installed (server.db.connection.init_app)")
    return key


def record(session: Session, actor_id: str | None, action: str, object_type: str | None = None,
           object_id: str | None = None, detail: dict | None = None,
           now: datetime | None = None) -> None:
    """Queue one event for the chain; it is written when the caller's transaction commits."""
    session.info.setdefault(_PENDING, []).append({
        "occurred_at": now or utcnow(), "actor_id": actor_id, "action": action,
        "object_type": object_type, "object_id": object_id, "detail": detail or {}})


def _seal(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint's commit: its events wait for the real commit (a savepoint rolled back
        # later drops its own, `_drop_savepoint_events`). Taking the chain's lock here would hold
        # it through the rest of the transaction's work and its row locks: an effects drain did
        # so, and deadlocked with a writer of the same address waiting for the lock at commit.
        return
    if not session.info.get(_PENDING):
        return
    # The transaction's own changes go first: every row lock it needs is taken before the
    # chain's lock, none is waited for while holding it.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    session.info.pop(_MARKS, None)
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Held until commit: two writers can't both link to the same previous event.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev, key = prev or GENESIS, chain_key()
    for fields in pending:
        digest = event_hash(key, prev, fields["occurred_at"], fields["actor_id"], fields["action"],
                            fields["object_type"], fields["object_id"], fields["detail"])
        session.add(AuditEvent(prev_hash=prev, hash=digest, **fields))
        prev = digest
    session.flush()


def _forget(session: Session, *args) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's rollback: `_drop_savepoint_events` keeps what came before it
    session.info.pop(_PENDING, None)
    session.info.pop(_MARKS, None)


def _mark_savepoint(session: Session, transaction) -> None:
    """Remember how many events were queued when a savepoint began."""
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(
            session.info.get(_PENDING, ()))


def _drop_savepoint_events(session: Session, transaction) -> None:
    """A savepoint rolled back: the events queued inside it did not happen."""
    if not transaction.nested:
        return
    mark = session.info.get(_MARKS, {}).pop(id(transaction), None)
    if mark is not None and _PENDING in session.info:
        del session.info[_PENDING][mark:]


def install(key: bytes) -> None:
    """Hook every Session once per process: seal queued events at commit, drop them on
    rollback; the key signs every event from now on."""
    _KEY["key"] = key
    if not event.contains(Session, "before_commit", _seal):
        event.listen(Session, "before_commit", _seal)
        event.listen(Session, "after_rollback", _forget)
        event.listen(Session, "after_transaction_create", _mark_savepoint)
        event.listen(Session, "after_soft_rollback", _drop_savepoint_events)


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


def verify(session: Session, anchor: str | None = None, anchors=()) -> tuple[int, Break | None]:
    """Check the whole chain; returns how many events were read and the first break, if any.

    Every link and keyed hash is checked (edited, forged, deleted, reordered events). A chain
    can't show that its newest events were cut off: `anchors` (from the anchor file the
    scheduler writes) and an `anchor` head hash kept elsewhere must still be in it.
    """
    counted = 0
    if anchor and session.scalar(select(AuditEvent.id).where(AuditEvent.hash == anchor)) is None:
        return 0, Break(0, "the anchor hash is no longer in the chain (events were removed)")
    broken = check_anchors(session, list(anchors))
    if broken is not None:
        return 0, broken

    def counting():
        nonlocal counted
        for event_ in _in_order(session):
            counted += 1
            yield event_

    broken = find_break(counting(), chain_key())
    return counted, broken


def head_hash(session: Session) -> str:
    """The newest event's hash (the value to keep as an anchor)."""
    latest = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return latest or GENESIS


def anchor_audit_chain(session: Session, now: datetime, path: str) -> dict:
    """The scheduler's job: append the chain's head to the anchor file (none configured: no-op)."""
    if not path:
        return {"anchored": 0, "file": None}
    return write_anchor(session, path, chain_key(), now)
