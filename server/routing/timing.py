"""The collector's clock: UTC instants <-> seconds since local midnight, and service windows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class DayClock:
    """One local day in one time zone; seconds are elapsed seconds since local midnight."""

    day: date
    tz: str
    midnight: datetime  # UTC instant of local midnight
    length_s: int  # 86,400, or 82,800 / 90,000 on DST change days

    @classmethod
    def of(cls, day: date, tz: str) -> DayClock:
        """The clock of local date `day` in zone `tz`."""
        start, end = (_local(day + timedelta(days=k), 0, tz) for k in (0, 1))
        return cls(day, tz, start, int((end - start).total_seconds()))

    def seconds(self, at: datetime) -> float:
        """Seconds from local midnight to the instant `at`."""
        return (at - self.midnight).total_seconds()

    def at(self, seconds: int) -> datetime:
        """The UTC instant `seconds` after local midnight."""
        return self.midnight + timedelta(seconds=seconds)

    def wall(self, minutes: int, tz: str | None = None) -> datetime:
        """The UTC instant at which clocks in `tz` (default: this clock's) show `minutes`."""
        return _local(self.day, minutes, tz or self.tz)


def _local(day: date, minutes: int, tz: str) -> datetime:
    wall = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def service_windows(
    legal: Sequence[Span], appointment: Span | None, service_s: int, clock: DayClock
) -> tuple[tuple[int, int], ...]:
    """Service-start intervals (clock seconds) so the whole visit lies in legal hours and
    starts inside the appointment, if any; empty when no such start exists that day."""
    out = []
    for start, end in legal:
        lo, hi = math.ceil(clock.seconds(start)), math.floor(clock.seconds(end)) - service_s
        if appointment is not None:
            lo = max(lo, math.ceil(clock.seconds(appointment[0])))
            hi = min(hi, math.floor(clock.seconds(appointment[1])))
        lo, hi = max(lo, 0), min(hi, clock.length_s)
        if lo <= hi:
            out.append((lo, hi))
    return tuple(out)


def inside(start: datetime, end: datetime, legal: Sequence[Span], appointment: Span | None) -> bool:
    """True when the visit [start, end] lies in one legal interval and starts in the appointment."""
    if appointment is not None and not appointment[0] <= start <= appointment[1]:
        return False
    return any(a <= start and end <= b for a, b in legal)
