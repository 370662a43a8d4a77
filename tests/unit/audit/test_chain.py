"""The hash chain detects edits, deletions and reordering."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from server.audit.chain import GENESIS, event_hash, find_break

KEY = b"unit-test-key"


@dataclass(frozen=True)
class Event:
    id: int
    occurred_at: datetime
    actor_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict
    prev_hash: str
    hash: str


def _chain(n: int) -> list[Event]:
    events, prev = [], GENESIS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        at = start + timedelta(minutes=i)
        detail = {"n": i, "who": "张三"}
        digest = event_hash(KEY, prev, at, "u1", "read", "party", f"p{i}", detail)
        events.append(Event(i, at, "u1", "read", "party", f"p{i}", detail, prev, digest))
        prev = digest
    return events


def test_an_untouched_chain_has_no_break():
    assert find_break(_chain(5), KEY) is None


def test_an_edited_event_breaks_the_chain_at_that_event():
    events = _chain(5)
    events[2] = replace(events[2], detail={"n": 999, "who": "张三"})
    broken = find_break(events, KEY)
    assert broken.event_id == 3 and "edited" in broken.reason


def test_a_deleted_event_breaks_the_chain_at_the_next_one():
    events = _chain(5)
    del events[1]
    broken = find_break(events, KEY)
    assert broken.event_id == 3 and "deleted" in broken.reason


def test_rehashing_an_edited_event_still_breaks_the_link_after_it():
    events = _chain(4)
    edited = replace(events[1], action="export")
    events[1] = replace(edited, hash=event_hash(KEY, edited.prev_hash, edited.occurred_at,
                                                edited.actor_id, edited.action,
                                                edited.object_type, edited.object_id,
                                                edited.detail))
    assert find_break(events, KEY).event_id == 3


def test_key_order_of_the_detail_does_not_matter():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert event_hash(KEY, GENESIS, at, None, "a", None, None, {"x": 1, "y": 2}) == \
        event_hash(KEY, GENESIS, at, None, "a", None, None, {"y": 2, "x": 1})


def test_an_event_appended_without_the_key_is_caught():
    events = _chain(3)
    last, at = events[-1], events[-1].occurred_at + timedelta(minutes=1)
    forged = hashlib.sha256(b"anything computable without the key").hexdigest()
    for digest in (forged, event_hash(b"a guessed key", last.hash, at, "u1", "read", "party",
                                      "p9", {})):
        tail = Event(4, at, "u1", "read", "party", "p9", {}, last.hash, digest)
        broken = find_break([*events, tail], KEY)
        assert broken.event_id == 4 and "without the key" in broken.reason


def test_a_reordered_chain_breaks():
    events = _chain(4)
    events[1], events[2] = events[2], events[1]
    assert "reordered" in find_break(events, KEY).reason
