"""The operation's clock: its zone (from config), local dates and wall-clock helpers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.config import OPERATION_ZONE

__all__ = ["OPERATION_ZONE", "local_iso", "local_midnight_utc", "local_today", "operation_zone"]


def operation_zone(config: Mapping) -> str:
    """The operation's zone as configured (SCHEDULER_TIMEZONE), else the default one."""
    return config.get("SCHEDULER_TIMEZONE") or OPERATION_ZONE


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
