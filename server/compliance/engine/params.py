"""Value types inside a profile (daily time windows, rolling caps) and strict JSON readers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

DAY_SECONDS = 24 * 3600


def _fmt(value: time) -> str:
    return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")


@dataclass(frozen=True, order=True)
class TimeWindow:
    """A daily local-time window [start, end); end before start wraps midnight, equal = all day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value.tzinfo is not None or value.microsecond:
                raise ValueError("window times are naive local times in whole seconds")

    def pieces(self) -> list[tuple[int, int]]:
        """Return the window as second-of-day intervals within one day [0, 86400)."""
        start, end = _seconds(self.start), _seconds(self.end)
        if start < end:
            return [(start, end)]
        if start == end:
            return [(0, DAY_SECONDS)]
        return [(start, DAY_SECONDS), (0, end)]

    def to_json(self) -> list[str]:
        """Return ["HH:MM", "HH:MM"]."""
        return [_fmt(self.start), _fmt(self.end)]

    @classmethod
    def parse(cls, value: Any) -> TimeWindow:
        """Read ["22:00", "08:00"] or "22:00-08:00"."""
        if isinstance(value, TimeWindow):
            return value
        parts = value.split("-") if isinstance(value, str) else value
        if not isinstance(parts, list | tuple) or len(parts) != 2:
            raise ValueError('expected ["HH:MM", "HH:MM"]')
        try:
            return cls(time.fromisoformat(parts[0].strip()), time.fromisoformat(parts[1].strip()))
        except (AttributeError, TypeError) as exc:
            raise ValueError('expected ["HH:MM", "HH:MM"]') from exc


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _time_of(seconds: int) -> time:
    seconds %= DAY_SECONDS
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def windows_from_pieces(pieces: list[tuple[int, int]]) -> tuple[TimeWindow, ...]:
    """Turn normalized second-of-day intervals back into windows, re-joining the midnight wrap."""
    if pieces == [(0, DAY_SECONDS)]:
        return (TimeWindow(time(0), time(0)),)
    pieces = list(pieces)
    if len(pieces) > 1 and pieces[0][0] == 0 and pieces[-1][1] == DAY_SECONDS:
        first, last = pieces.pop(0), pieces.pop()
        pieces.append((last[0], first[1]))
    return tuple(sorted(TimeWindow(_time_of(s), _time_of(e)) for s, e in pieces))


@dataclass(frozen=True, order=True)
class RollingCap:
    """At most `count` contacts in any `days` consecutive local days; written consent may exempt."""

    count: int
    days: int
    consent_exempt: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return {"count", "days", "consent_exempt"}."""
        return {"count": self.count, "days": self.days, "consent_exempt": self.consent_exempt}

    @classmethod
    def parse(cls, value: Any) -> RollingCap:
        """Read {"count": 1, "days": 30, "consent_exempt": true}."""
        if isinstance(value, RollingCap):
            return value
        if not isinstance(value, Mapping) or set(value) - {"count", "days", "consent_exempt"}:
            raise ValueError('expected {"count": int, "days": int, "consent_exempt": bool}')
        count, days = read_int(value.get("count")), read_int(value.get("days"))
        return cls(count, days, read_bool(value.get("consent_exempt", False)))


def read_int(value: Any) -> int:
    """Read a JSON integer (booleans are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an integer")
    return value


def read_bool(value: Any) -> bool:
    """Read a JSON boolean."""
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def read_str(value: Any) -> str:
    """Read a JSON string."""
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def read_opt_int(value: Any) -> int | None:
    """Read a JSON integer or null."""
    return None if value is None else read_int(value)


def read_decimal(value: Any) -> Decimal:
    """Read a decimal from a string or integer (floats would lose cents)."""
    if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
        raise ValueError('expected a decimal string such as "0.01"')
    return Decimal(value)
