"""Reading ahead in a thread: same items, same order, the reader's error raised in its place."""

from __future__ import annotations

import threading
import uuid
from contextlib import closing

import pytest

from server.imports.prefetch import ahead
from server.imports.staging import joined_keys, new_ids


def test_items_come_in_order_and_the_worker_ends():
    assert list(ahead(range(100), depth=2)) == list(range(100))
    assert not [t for t in threading.enumerate() if t.name == "import-read-ahead"]


def test_an_error_while_reading_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("line 3 is broken")

    seen = []
    with pytest.raises(ValueError, match="line 3"):
        for item in ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_the_worker():
    produced = []

    def items():
        for n in range(1000):
            produced.append(n)
            yield n

    with closing(ahead(items(), depth=1)) as chunks:
        assert next(chunks) == 0
    assert len(produced) < 10
    assert not [t for t in threading.enumerate() if t.name == "import-read-ahead"]


def test_fresh_ids_are_distinct_uuid4_hex():
    ids = new_ids(1000)
    assert len(set(ids)) == 1000
    assert all(len(i) == 32 and uuid.UUID(hex=i).version == 4 for i in ids)
    assert all(uuid.UUID(hex=i).variant == uuid.RFC_4122 for i in ids)


def test_keys_holding_the_separator_are_not_joined():
    assert joined_keys(["a", "b"]) == "a\x1fb"
    assert joined_keys(["a\x1fb", "c"]) is None and joined_keys([""]) is None
