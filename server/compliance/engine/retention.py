"""RETENTION: how long collection records are kept; the longest floor of all profiles wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVar

from .profiles import Profile
from .verdicts import Finding, Rule, Severity, Verdict

Moment = TypeVar("Moment", date, datetime)


def _add_years(moment: date, years: int) -> date:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        # 29 February: keep one day longer (1 March) rather than purge a day early.
        return moment.replace(year=moment.year + years, month=3, day=1)


def retention_years(profiles: Profile | Sequence[Profile]) -> int:
    """Return the longest retention floor, in years, of one or several profiles."""
    group = [profiles] if isinstance(profiles, Profile) else list(profiles)
    if not group:
        raise ValueError("at least one profile is needed")
    return max(p.retention_years for p in group)


def retention_cutoff(profiles: Profile | Sequence[Profile], last_activity: Moment) -> Moment:
    """Return the first moment a record whose last activity was `last_activity` may be purged."""
    return _add_years(last_activity, retention_years(profiles))


def check_purge(
    profiles: Profile | Sequence[Profile], last_activity: date | datetime, now: date | datetime
) -> Verdict:
    """Block a purge that comes before the retention floor of every applying profile."""
    cutoff = retention_cutoff(profiles, last_activity)
    if now >= cutoff:
        return Verdict()
    years = retention_years(profiles)
    return Verdict(
        (
            Finding(
                Rule.RETENTION,
                Severity.BLOCK,
                f"records are kept {years} years after last activity, until {cutoff.isoformat()}",
                {
                    "retention_years": years,
                    "purge_from": cutoff.isoformat(),
                    "last_activity": last_activity.isoformat(),
                },
            ),
        )
    )
