"""When, in the debtor's local day, a task or message may be due: inside the allowed hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.clock import local_today
from server.compliance.engine import Profile, TimeWindow, allowed_windows


class AllowedHours:
    """`allowed_windows` per (quiet hours, local day, zone, preferences), computed once a run:
    a batch of debtors shares a few zones and days, and each computation walks the zone's
    offsets."""

    def __init__(self) -> None:
        self._seen: dict[tuple, list[tuple[datetime, datetime]]] = {}

    def first_at(self, profile: Profile, day: date, tz: str,
                 preferences: tuple[TimeWindow, ...], not_before: datetime) -> datetime | None:
        """The first allowed instant of local `day` at or after `not_before`, if any (as
        `first_allowed_at` without an aim)."""
        key = (profile.quiet_hours, day, tz, preferences)
        if key not in self._seen:
            self._seen[key] = allowed_windows(profile, day, tz, preferences)
        return next((max(start, not_before) for start, end in self._seen[key]
                     if not_before < end), None)


def first_allowed_at(
    profile: Profile, day: date, tz: str, preferences: tuple[TimeWindow, ...] = (),
    not_before: datetime | None = None, aim: time | None = None,
) -> datetime | None:
    """The first allowed instant of local `day` at or after `aim` (local) and `not_before`."""
    floor = [not_before] if not_before else []
    if aim is not None:
        floor.append(datetime.combine(day, aim, tzinfo=ZoneInfo(tz)))
    earliest = max(floor) if floor else None
    for start, end in allowed_windows(profile, day, tz, preferences):
        if earliest is None or earliest < end:
            return start if earliest is None else max(start, earliest)
    return None


def first_allowed_between(profile: Profile, tz: str, preferences: tuple[TimeWindow, ...],
                          not_before: datetime, before: datetime) -> datetime | None:
    """The first allowed instant in [not_before, before), walking the debtor's local days."""
    day, last = local_today(not_before, tz), local_today(before, tz)
    while day <= last:
        at = first_allowed_at(profile, day, tz, preferences, not_before)
        if at is not None:
            return at if at < before else None
        day += timedelta(days=1)
    return None
