"""Half-open interval arithmetic [start, end) on sorted lists of comparable values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T", bound=Any)
Interval = tuple[T, T]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals and merge those that overlap or touch."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Return the parts covered by both lists."""
    left, right = normalize(a), normalize(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Return the parts of `a` not covered by `b`."""
    out: list[Interval] = []
    cut = normalize(b)
    for start, end in normalize(a):
        cursor = start
        for c_start, c_end in cut:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                out.append((cursor, c_start))
            cursor = max(cursor, c_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def contains(intervals: Iterable[Interval], point: Any) -> bool:
    """True when `point` lies in some [start, end)."""
    return any(start <= point < end for start, end in intervals)
