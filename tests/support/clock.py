"""The product's notion of "today" for tests, and the shifted clock the suite can run under."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from server.clock import local_today
from server.models import utcnow

# The operation's zone (config SCHEDULER_TIMEZONE; the demo and every test team are in Shanghai).
OPERATION_TZ = "Asia/Shanghai"


def operation_today(tz: str = OPERATION_TZ) -> date:
    """Today's date where the operation works (what pulls, plans and the API call "today")."""
    return local_today(utcnow(), tz)


def operation_day(offset_days: int, tz: str = OPERATION_TZ) -> date:
    """The operation's date `offset_days` from today (negative: in the past)."""
    return operation_today(tz) + timedelta(days=offset_days)


def clock_instant(spec: str, now: datetime | None = None) -> datetime:
    """Parse --clock: "HH:MM" (today at that UTC time) or a full ISO instant (UTC if naive)."""
    now = now or datetime.now(UTC)
    if len(spec) <= 5 and ":" in spec:
        hours, minutes = (int(part) for part in spec.split(":"))
        return datetime.combine(now.date(), time(hours, minutes), tzinfo=UTC)
    instant = datetime.fromisoformat(spec)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
