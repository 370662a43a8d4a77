"""Read ahead: parse the next batch of a file in a thread while the database applies this one.

Checking rows is pure Python and applying them is mostly waiting for PostgreSQL (psycopg lets
go of the GIL while it waits), so the two overlap instead of adding up.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

_DONE = object()


@contextmanager
def prefetched(items: Iterable, depth: int = 2) -> Iterator[Iterator]:
    """Yield an iterator over `items` produced by a worker thread, at most `depth` ahead; on
    exit the worker is stopped and joined (so the caller may close what it reads from)."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except Exception as exc:  # handed to the consumer, raised there
            put(exc)
            return
        put(_DONE)

    def consume() -> Iterator:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise item
            yield item

    worker = threading.Thread(target=work, name="postings-reader", daemon=True)
    worker.start()
    try:
        yield consume()
    finally:
        stop.set()
        worker.join()
