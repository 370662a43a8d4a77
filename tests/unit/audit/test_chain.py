"""The hash chain detects edits, deletions and reordering."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from server.audit.chain import GENESIS, event_hash, find_break


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
        digest = event_hash(prev, at, "u1", "read", "party", f"p{i}", detail)
        events.append(Event(i, at, "u1", "read", "party", f"p{i}", detail, prev, digest))
        prev = digest
    return events


def test_an_untouched_chain_has_no_break():
    assert find_break(_chain(5)) is None


def test_an_edited_event_breaks_the_chain_at_that_event():
    events = _chain(5)
    events[2] = replace(events[2], detail={"n": 999, "who": "张三"})
    broken = find_break(events)
    assert broken.event_id == 3 and "edited" in broken.reason


def test_a_deleted_event_breaks_the_chain_at_the_next_one():
    events = _chain(5)
    del events[1]
    broken = find_break(events)
    assert broken.event_id == 3 and "deleted" in broken.reason


def test_rehashing_an_edited_event_still_breaks_the_link_after_it():
    events = _chain(4)
    edited = replace(events[1], action="export")
    events[1] = replace(edited, hash=event_hash(edited.prev_hash, edited.occurred_at,
                                                edited.actor_id, edited.action,
                                                edited.object_type, edited.object_id,
                                                edited.detail))
    assert find_break(events).event_id == 3


def test_key_order_of_the_detail_does_not_matter():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert event_hash(GENESIS, at, None, "a", None, None, {"x": 1, "y": 2}) == \
        event_hash(GENESIS, at, None, "a", None, None, {"y": 2, "x": 1})
