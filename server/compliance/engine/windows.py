"""Quiet hours in the debtor's local time: allowed windows per date and the QUIET check.

Local rules are written in wall-clock time, but a day is not always 24 hours (DST) and a wall
time can occur twice or never. Every conversion here therefore splits time into stretches of
constant UTC offset and maps wall-clock intervals through each, so "allowed" means exactly
"the debtor's clock shows an allowed time" on every day of the year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .intervals import contains, intersect, normalize, subtract
from .params import TimeWindow
from .profiles import Profile
from .verdicts import Finding, Rule, Severity, Verdict, verdict

Exception_ = TimeWindow | tuple[datetime, datetime]
_STEP = timedelta(hours=1)  # offsets change at most once an hour anywhere in the tz database
_SLACK = timedelta(hours=15)  # beyond the widest UTC offset, so every instant of a date is seen


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name (raises ValueError for an unknown zone)."""
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def as_utc(at: datetime) -> datetime:
    """Return an aware datetime in UTC; naive datetimes are refused, never guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("compliance times must be time-zone aware")
    return at.astimezone(UTC)


def local_date(at: datetime, tz: str | ZoneInfo) -> date:
    """Return the debtor's calendar date at instant `at`."""
    return as_utc(at).astimezone(zone(tz)).date()


def _wall_pieces(windows: Iterable[TimeWindow], day: date) -> list[tuple[datetime, datetime]]:
    midnight = datetime.combine(day, time(0))
    return normalize(
        (midnight + timedelta(seconds=s), midnight + timedelta(seconds=e))
        for w in windows
        for s, e in w.pieces()
    )


def allowed_wall_intervals(
    profile: Profile,
    day: date,
    preferences: Sequence[TimeWindow],
    daily_consents: Sequence[TimeWindow],
) -> list[tuple[datetime, datetime]]:
    """Return the allowed naive local intervals of `day`: not quiet, preferred, or agreed to."""
    return list(_allowed_wall(tuple(profile.quiet_hours), day, tuple(preferences),
                              tuple(daily_consents)))


# Pure in its (hashable) arguments; a push judges thousands of check-ins on a few local days.
@lru_cache(maxsize=4096)
def _allowed_wall(
    quiet_hours: tuple[TimeWindow, ...],
    day: date,
    preferences: tuple[TimeWindow, ...],
    daily_consents: tuple[TimeWindow, ...],
) -> tuple[tuple[datetime, datetime], ...]:
    whole = datetime.combine(day, time(0))
    allowed = subtract([(whole, whole + timedelta(days=1))], _wall_pieces(quiet_hours, day))
    if preferences:
        allowed = intersect(allowed, _wall_pieces(preferences, day))
    return tuple(normalize([*allowed, *_wall_pieces(daily_consents, day)]))


def _offset_segments(
    tz: ZoneInfo, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    segments, start, offset, cursor = [], lo, lo.astimezone(tz).utcoffset(), lo
    while cursor < hi:
        nxt = min(cursor + _STEP, hi)
        if nxt.astimezone(tz).utcoffset() == offset:
            cursor = nxt
            continue
        left, right = cursor, nxt  # binary search for the first second at the new offset
        while right - left > timedelta(seconds=1):
            mid = left + timedelta(seconds=(right - left).total_seconds() // 2)
            left, right = (mid, right) if mid.astimezone(tz).utcoffset() == offset else (left, mid)
        segments.append((start, right, offset))
        start, offset, cursor = right, right.astimezone(tz).utcoffset(), right
    segments.append((start, hi, offset))
    return segments


@lru_cache(maxsize=4096)
def _day_segments(tz: ZoneInfo, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """The UTC offsets in force around `day` in `tz` (pure; one search per zone and day: a
    dispatch day judges thousands of visits in the same few zones)."""
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    return tuple(_offset_segments(tz, midnight - _SLACK, midnight + _SLACK + timedelta(days=1)))


def wall_to_utc(
    tz: ZoneInfo, day: date, wall: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Map naive local intervals of `day` to the UTC instants whose wall clock falls inside."""
    out = []
    for start, end, offset in _day_segments(tz, day):
        local = [((start + offset).replace(tzinfo=None), (end + offset).replace(tzinfo=None))]
        for a, b in intersect(local, wall):
            out.append(((a - offset).replace(tzinfo=UTC), (b - offset).replace(tzinfo=UTC)))
    return normalize(out)


def _split(
    exceptions: Sequence[Exception_],
) -> tuple[list[TimeWindow], list[tuple[datetime, datetime]]]:
    daily = [e for e in exceptions if isinstance(e, TimeWindow)]
    fixed = [(as_utc(e[0]), as_utc(e[1])) for e in exceptions if not isinstance(e, TimeWindow)]
    return daily, fixed


def allowed_windows(
    profile: Profile,
    local_day: date,
    tz: str | ZoneInfo,
    debtor_preferences: Sequence[TimeWindow] = (),
    consented_exceptions: Sequence[Exception_] = (),
) -> list[tuple[datetime, datetime]]:
    """Return the UTC intervals [start, end) of `local_day` in which contact is allowed."""
    tzinfo = zone(tz)
    daily, fixed = _split(consented_exceptions)
    wall = allowed_wall_intervals(profile, local_day, debtor_preferences, daily)
    whole = datetime.combine(local_day, time(0))
    day_instants = wall_to_utc(tzinfo, local_day, [(whole, whole + timedelta(days=1))])
    return normalize([*wall_to_utc(tzinfo, local_day, wall), *intersect(fixed, day_instants)])


def next_allowed(
    profile: Profile,
    after: datetime,
    tz: str | ZoneInfo,
    preferences: Sequence[TimeWindow] = (),
    exceptions: Sequence[Exception_] = (),
    days: int = 7,
) -> datetime | None:
    """Return the first allowed instant at or after `after` within `days` local days, if any."""
    first = local_date(after, tz)
    for k in range(days + 1):
        for start, end in allowed_windows(
            profile, first + timedelta(days=k), tz, preferences, exceptions
        ):
            if end > after:
                return max(start, as_utc(after))
    return None


def check_contact_time(
    profile: Profile,
    at_utc: datetime,
    tz: str | ZoneInfo,
    debtor_preferences: Sequence[TimeWindow] = (),
    consented_exceptions: Sequence[Exception_] = (),
    clock_offset: timedelta = timedelta(0),
    channel: str = "visit",
) -> Verdict:
    """Check one contact instant (device time + `clock_offset`) against quiet hours, locally."""
    tzinfo = zone(tz)
    corrected = as_utc(at_utc) + clock_offset
    wall = corrected.astimezone(tzinfo).replace(tzinfo=None)
    daily, fixed = _split(consented_exceptions)
    wall_ok = contains(
        allowed_wall_intervals(profile, wall.date(), debtor_preferences, daily), wall
    )
    context = {
        "at_utc": as_utc(at_utc).isoformat(),
        "corrected_at_utc": corrected.isoformat(),
        "clock_offset_seconds": clock_offset.total_seconds(),
        "clock_corrected": bool(clock_offset),
        "tz": tzinfo.key,
        "local_time": wall.isoformat(),
    }
    if wall_ok or contains(fixed, corrected):
        return Verdict((), context)
    upcoming = next_allowed(profile, corrected, tzinfo, debtor_preferences, consented_exceptions)
    details = {
        **context,
        "channel": str(channel),
        "quiet_hours": [w.to_json() for w in profile.quiet_hours],
        "preferred_windows": [w.to_json() for w in debtor_preferences],
        "next_allowed_utc": upcoming.isoformat() if upcoming else None,
    }
    message = f"{channel} at {wall:%H:%M} local ({tzinfo.key}) falls outside the allowed hours"
    return verdict([Finding(Rule.QUIET, Severity.BLOCK, message, details)], context)


def check_window(
    profile: Profile,
    start_utc: datetime,
    end_utc: datetime,
    tz: str | ZoneInfo,
    debtor_preferences: Sequence[TimeWindow] = (),
    consented_exceptions: Sequence[Exception_] = (),
) -> Verdict:
    """Check that a whole planned window [start, end) lies inside allowed hours."""
    start, end = as_utc(start_utc), as_utc(end_utc)
    allowed: list[tuple[datetime, datetime]] = []
    day, last = local_date(start, tz), local_date(end - timedelta(microseconds=1), tz)
    while day <= last:
        allowed += allowed_windows(profile, day, tz, debtor_preferences, consented_exceptions)
        day += timedelta(days=1)
    outside = subtract([(start, end)], allowed)
    if not outside:
        return Verdict()
    details = {
        "tz": zone(tz).key,
        "window_utc": [start.isoformat(), end.isoformat()],
        "outside_utc": [[a.isoformat(), b.isoformat()] for a, b in outside],
        "allowed_utc": [
            [a.isoformat(), b.isoformat()] for a, b in intersect([(start, end)], allowed)
        ],
    }
    local = start.astimezone(zone(tz))
    message = f"planned window from {local:%Y-%m-%d %H:%M} local reaches into quiet hours"
    return verdict([Finding(Rule.QUIET, Severity.BLOCK, message, details)])
