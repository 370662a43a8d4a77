"""The hash chain: each event's hash covers its content and the previous event's hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


def canonical(value) -> str:
    """Stable JSON for hashing: sorted keys, no spaces, ISO datetimes."""

    def default(obj):
        if isinstance(obj, datetime):
            return obj.isoformat(timespec="microseconds")
        return str(obj)

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=default)


def event_hash(prev_hash: str, occurred_at: datetime, actor_id: str | None, action: str,
               object_type: str | None, object_id: str | None, detail: dict) -> str:
    """SHA-256 over the previous hash and this event's fields."""
    body = canonical([prev_hash, occurred_at, actor_id, action, object_type, object_id, detail])
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain stops holding, and why."""

    event_id: int
    reason: str


def find_break(events, start_hash: str = GENESIS) -> Break | None:
    """Walk events in id order; the first edited, reordered or missing link is reported."""
    prev = start_hash
    for event in events:
        if event.prev_hash != prev:
            return Break(event.id, "prev_hash does not match the event before it "
                                   "(an event was deleted or reordered)")
        expected = event_hash(event.prev_hash, event.occurred_at, event.actor_id, event.action,
                              event.object_type, event.object_id, event.detail)
        if expected != event.hash:
            return Break(event.id, "content does not match its hash (the event was edited)")
        prev = event.hash
    return None
