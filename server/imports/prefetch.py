"""Compute the next items in a worker thread while the caller works on the current one.

An import alternates between Python work (decoding, validating a chunk) and waiting for the
database to write the previous chunk; psycopg releases the GIL while it waits, so reading and
validating ahead in a thread overlaps the two. At most `depth` items wait, bounding memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """The items, in order, produced in a thread; its exception is raised here, in its place."""
    box: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(box, stop, item):
                    return
            _put(box, stop, _END)
        except BaseException as exc:  # handed over to the consumer, raised in its place
            _put(box, stop, _Failed(exc))

    worker = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := box.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _put(box: queue.Queue, stop: threading.Event, item: object) -> bool:
    """Put unless the consumer has gone away (then the worker just ends)."""
    while not stop.is_set():
        try:
            box.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False
