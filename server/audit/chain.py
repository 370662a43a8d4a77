"""The keyed chain: each event's HMAC covers its content and the previous event's HMAC.

The key (AUDIT_HMAC_KEY) lives in the environment, never in the database: whoever can write
the audit table but not read the key can neither edit an event nor append a believable one.
"""

from __future__ import annotations

import hashlib
import hmac
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


def event_hash(key: bytes, prev_hash: str, occurred_at: datetime, actor_id: str | None,
               action: str, object_type: str | None, object_id: str | None,
               detail: dict) -> str:
    """HMAC-SHA-256 (keyed) over the previous hash and this event's fields."""
    body = canonical([prev_hash, occurred_at, actor_id, action, object_type, object_id, detail])
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain stops holding, and why."""

    event_id: int
    reason: str


def find_break(events, key: bytes, start_hash: str = GENESIS) -> Break | None:
    """Walk events in id order; the first edited, forged, reordered or missing link is
    reported."""
    prev = start_hash
    for event in events:
        if event.prev_hash != prev:
            return Break(event.id, "prev_hash does not match the event before it "
                                   "(an event was deleted or reordered)")
        expected = event_hash(key, event.prev_hash, event.occurred_at, event.actor_id,
                              event.action, event.object_type, event.object_id, event.detail)
        if not hmac.compare_digest(expected, event.hash):
            return Break(event.id, "content does not match its keyed hash (the event was "
                                   "edited, or written without the key)")
        prev = event.hash
    return None
