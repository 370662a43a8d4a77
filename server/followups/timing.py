"""When, in the debtor's local day, a task or message may be due: inside the allowed hours."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from server.compliance import Profile, TimeWindow, allowed_windows


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
