"""Use cases behind the sync endpoints: device bookkeeping around pull and push."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.audit.reads import record_pull
from server.errors import InvalidInput
from server.models import PushReceipt
from server.sync.devices import resolve_device, sane_offset
from server.sync.pull import PullRequest, check_schema_version, pull_changes
from server.sync.push import PushContext, push_changes
from server.sync.scope import Who
from server.sync.settings import MAX_IDEMPOTENCY_KEY
from server.sync.tables import SYNC_TABLES
from server.sync.wire import storable


def pull(session: Session, who: Who, query: dict, device_id: str | None,
         token_device: str | None) -> dict:
    """One pull for the caller's device. Caller commits (the cursor, the device's last seen)."""
    check_schema_version(query["schema_version"])
    _check_migration(query.get("migration"))
    resolve_device(session, who.collector_id, device_id, token_device, who.now,
                   query["schema_version"])
    answer = pull_changes(session, PullRequest(who, query["last_pulled_at"],
                                               query["schema_version"], query.get("migration"),
                                               query.get("limit")))
    record_pull(session, who.collector_id, device_id or token_device, answer["changes"])
    return answer


def lock_collector(session: Session, purpose: str, collector_id: str) -> None:
    """Serialise one collector's `purpose` until the transaction ends (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"{purpose}:{collector_id}"})


def _check_migration(migration: dict | None) -> None:
    if not migration:
        return
    named = set(migration.get("tables", [])) | {
        c.get("table") for c in migration.get("columns", []) if isinstance(c, dict)}
    unknown = sorted(str(t) for t in named if t not in SYNC_TABLES)
    if unknown:
        raise InvalidInput(f"unknown tables in migration: {', '.join(unknown)}",
                           {"migration": unknown})


def push(session: Session, ctx: PushContext, changes: dict, last_pulled_at: int | None,
         token_device: str | None, idempotency_key: str | None, body_sha256: str) -> dict:
    """One push; a repeat with the same Idempotency-Key gets the first answer back.

    One collector's pushes run one at a time (a transaction-scoped lock on PostgreSQL; SQLite
    serialises writers anyway): a retry that overtakes its own first attempt waits for it and
    then finds its facts stored, instead of judging them against what changed meanwhile.
    """
    _check_idempotency_key(idempotency_key)
    lock_collector(session, "push", ctx.who.collector_id)
    if idempotency_key:
        done = session.get(PushReceipt, (ctx.who.collector_id, idempotency_key))
        if done is not None:
            if done.body_sha256 != body_sha256:
                raise InvalidInput("this Idempotency-Key was used for a different body",
                                   {"Idempotency-Key": ["reused with another body"]})
            return done.response
    device = resolve_device(session, ctx.who.collector_id, ctx.device_id, token_device,
                            ctx.who.now)
    if ctx.clock_offset_ms is None:
        known = device.clock_offset_ms
        ctx = replace(ctx, clock_offset_ms=known if sane_offset(known) else None)
    else:
        device.clock_offset_ms = ctx.clock_offset_ms
    ctx = replace(ctx, device_id=device.id)
    answer = push_changes(session, ctx, changes, last_pulled_at)
    if ctx.warnings:
        answer["warnings"] = ctx.warnings
    if idempotency_key:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(PushReceipt).values(
            user_id=ctx.who.collector_id, key=idempotency_key, body_sha256=body_sha256,
            response=storable(answer), created_at=ctx.who.now).on_conflict_do_nothing())
    return answer


def _check_idempotency_key(key: str | None) -> None:
    """1..128 printable ASCII characters: a longer key is refused, never cut."""
    if key is None:
        return
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY or not all(" " <= ch <= "~" for ch in key):
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII "
                           "characters", {"Idempotency-Key": [
                               f"{len(key)} characters; at most {MAX_IDEMPOTENCY_KEY}"]})
