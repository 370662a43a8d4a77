"""Local wall-clock helpers shared by the DB-facing rule code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_iso(at: datetime, clock_offset_ms: int | None, tz: str) -> str:
    """The corrected instant as the naive local ISO time the engine reports (`local_time`)."""
    corrected = at + timedelta(milliseconds=clock_offset_ms or 0)
    return corrected.astimezone(ZoneInfo(tz)).replace(tzinfo=None).isoformat()


def local_midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which local date `day` begins in `tz` (DST-correct)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_today(now: datetime, tz: str) -> date:
    """The calendar date in `tz` at instant `now`."""
    return now.astimezone(ZoneInfo(tz)).date()
