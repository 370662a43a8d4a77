"""Caches for geocoding answers: an interface, an in-memory LRU, and the key we file them by."""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from server.addresses.geo.geocoders import GeocodeResult

_NOISE = re.compile(r"[\s,，、.。;；:：'\"“”‘’()（）\[\]【】#＃-]+")


@dataclass(frozen=True)
class Cached:
    """A cache hit; `result` None means the provider knew no such place (a cached miss)."""

    result: GeocodeResult | None


class GeocodeCache(Protocol):
    """What a geocoding cache must offer (an LRU here; Redis or a table in a deployment)."""

    def get(self, key: str) -> Cached | None:
        """The cached answer, or None when the key was never stored or has expired."""
        ...

    def set(self, key: str, result: GeocodeResult | None) -> None:
        """Store an answer, including 'no such place' (None)."""
        ...


def cache_key(address_text: str, city_hint: str | None = None, namespace: str = "") -> str:
    """A key that ignores width, case, spacing and punctuation: 上海市 徐汇区 == 上海市徐汇区."""

    def norm(text: str | None) -> str:
        return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").casefold())

    return f"{namespace}|{norm(city_hint)}|{norm(address_text)}"


class LRUCache:
    """A thread-safe in-memory LRU with an optional time to live."""

    def __init__(
        self,
        maxsize: int = 4096,
        ttl_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.ttl_s = ttl_s
        self._clock = clock
        self._data: OrderedDict[str, tuple[float, GeocodeResult | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Cached | None:
        """The cached answer, refreshed as most recently used; None if absent or expired."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            stored_at, result = item
            if self.ttl_s is not None and self._clock() - stored_at > self.ttl_s:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return Cached(result)

    def set(self, key: str, result: GeocodeResult | None) -> None:
        """Store an answer, evicting the least recently used one when full."""
        with self._lock:
            self._data[key] = (self._clock(), result)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
